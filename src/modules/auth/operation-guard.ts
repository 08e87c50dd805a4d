import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getVariableValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import {
  ACCESS_RULE,
  ACCOUNT_PUBLIC_FIELDS,
  ACCOUNT_SHOWN,
  ARGUMENTS_CHECK,
  isStaff,
  type AccessRule,
  type ArgumentsCheck,
} from './access.js';
import { ForbiddenError } from './auth.errors.js';
import type { Principal } from './principal.js';

/**
 * Decides an operation before it runs, over every field it would reach (as graphql-js would collect them: with
 * its variables, `@skip`/`@include`, fragments, every member of a union or interface):
 * - each root field's access rule, from its arguments;
 * - each nested field's arguments (e.g. a page's `first` and `after`);
 * - for a role `user`, that another user's account is shown at most by its public fields;
 * - a mutation carries one root field, a subscription exactly one.
 * So nothing in an answer can fail for the caller's rights or arguments after a change was committed: the
 * operation is refused whole, before anything is read or changed. Throws the refusal (a GraphQLError with its
 * HTTP status); returns the root fields it will run.
 */
export function guardOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Readonly<Record<string, unknown>> | undefined,
  principal: Principal,
): string[] {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  // Variables that do not fit are refused by the execution itself, before anything runs.
  if (coerced.errors) return [];
  const root = schema.getRootType(operation.operation);
  if (!root) return [];
  const walk = new OperationWalk(schema, document, coerced.coerced, principal);
  const collected = walk.collect(root, operation.selectionSet);
  if (operation.operation === 'subscription') checkSubscriptionRoot(collected.map(([, node]) => node));
  const rootFields = collected.filter(([, node]) => !isMeta(node));
  if (operation.operation === 'mutation' && new Set(rootFields.map(([, node]) => responseKey(node))).size > 1) {
    throw badRequest(
      'A request may carry one mutation field: send each change as its own request, so that no failure of one can ' +
        'hide the commit of another',
    );
  }
  for (const [field, node] of rootFields) {
    const rule = field.extensions[ACCESS_RULE] as AccessRule | undefined;
    if (!rule) throw new Error(`Root field ${field.name} declares no access rule`);
    rule(principal, walk.argumentsOf(field, node));
    walk.fieldsBelow(field, node, undefined);
  }
  return rootFields.map(([field]) => field.name);
}

/**
 * Fails at start-up unless every root field declares its access rule and every other field with arguments
 * declares how they are checked: a field added without them cannot slip past the guard.
 */
export function assertGuarded(schema: GraphQLSchema): void {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (roots.has(type) && !field.extensions[ACCESS_RULE]) {
        throw new Error(`${type.name}.${field.name} declares no access rule (@Access)`);
      }
      if (!roots.has(type) && field.args.length > 0 && !field.extensions[ARGUMENTS_CHECK]) {
        throw new Error(`${type.name}.${field.name} has arguments but declares no check (@CheckArguments)`);
      }
    }
  }
}

/**
 * A subscription runs exactly one root field that is not introspection, counted with its variables: graphql-js
 * 16 checks this while validating, without variables, and fails on `@include(if: $v)` there (that check is left
 * out of the subscriptions' validation and made here instead, see http/websocket.ts).
 */
function checkSubscriptionRoot(nodes: readonly FieldNode[]): void {
  const keys = new Set(nodes.map(responseKey));
  if (keys.size === 0) {
    throw badRequest('This subscription selects no field: its root field is left out by @skip or @include');
  }
  if (keys.size > 1) throw badRequest('A subscription must select only one root field');
  if (nodes.some(isMeta)) throw badRequest('A subscription must not select an introspection field at its root');
}

const responseKey = (node: FieldNode): string => node.alias?.value ?? node.name.value;

function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}

const isMeta = (node: FieldNode): boolean => node.name.value.startsWith('__');

/** Whose account a selection shows: not an account, the caller's own, or another user's. */
type Shown = undefined | 'own' | 'other';

class OperationWalk {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  /** Staff see every account: only arguments are checked. */
  private readonly seesAll: boolean;

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variables: Record<string, unknown>,
    principal: Principal,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
    this.seesAll = isStaff(principal);
  }

  argumentsOf(field: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> {
    return getArgumentValues(field, node, this.variables);
  }

  /** The fields of `type` that `selectionSet` selects, with the node of each (as graphql-js collects them). */
  collect(type: GraphQLObjectType, selectionSet: SelectionSetNode): [GraphQLField<unknown, unknown>, FieldNode][] {
    const fields: [GraphQLField<unknown, unknown>, FieldNode][] = [];
    const visit = (set: SelectionSetNode): void => {
      for (const selection of set.selections) {
        if (!this.included(selection)) continue;
        switch (selection.kind) {
          case Kind.FIELD: {
            const field = isMeta(selection) ? META_FIELD : type.getFields()[selection.name.value];
            // Unknown fields fail validation before this runs.
            if (field) fields.push([field, selection]);
            break;
          }
          case Kind.INLINE_FRAGMENT:
            if (!selection.typeCondition || this.applies(selection.typeCondition.name.value, type)) {
              visit(selection.selectionSet);
            }
            break;
          case Kind.FRAGMENT_SPREAD: {
            const fragment = this.fragments.get(selection.name.value);
            if (fragment && this.applies(fragment.typeCondition.name.value, type)) visit(fragment.selectionSet);
            break;
          }
        }
      }
    };
    visit(selectionSet);
    return fields;
  }

  /** Checks what `node` selects below `field` (of a parent showing `shown`), for every type it may have. */
  fieldsBelow(field: GraphQLField<unknown, unknown>, node: FieldNode, shown: Shown): void {
    const type = getNamedType(field.type);
    if (!node.selectionSet) return;
    const isAccount = type.extensions[ACCOUNT_PUBLIC_FIELDS] !== undefined;
    const below: Shown = isAccount ? (field.extensions[ACCOUNT_SHOWN] === 'own' ? 'own' : 'other') : shown;
    for (const concrete of this.objectTypes(type)) {
      for (const [child, childNode] of this.collect(concrete, node.selectionSet)) {
        if (isMeta(childNode)) continue;
        this.check(concrete, child, childNode, below);
        this.fieldsBelow(child, childNode, below);
      }
    }
  }

  private check(parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>, node: FieldNode, shown: Shown): void {
    const publicFields = parent.extensions[ACCOUNT_PUBLIC_FIELDS] as readonly string[] | undefined;
    if (publicFields && shown === 'other' && !this.seesAll && !publicFields.includes(field.name)) {
      throw new ForbiddenError(
        `A user may see of another user's account only ${publicFields.join(', ')}, not ${field.name}`,
      );
    }
    const check = field.extensions[ARGUMENTS_CHECK] as ArgumentsCheck | undefined;
    check?.(this.argumentsOf(field, node));
  }

  private objectTypes(type: GraphQLNamedType): readonly GraphQLObjectType[] {
    if (isObjectType(type)) return [type];
    return isAbstractType(type) ? this.schema.getPossibleTypes(type) : [];
  }

  /** Whether a fragment on `condition` applies to an object of `type`. */
  private applies(condition: string, type: GraphQLObjectType): boolean {
    if (condition === type.name) return true;
    const conditionType = this.schema.getType(condition);
    return !!conditionType && isAbstractType(conditionType) && this.schema.isSubType(conditionType, type);
  }

  private included(node: FieldNode | SelectionSetNode['selections'][number]): boolean {
    const skip = getDirectiveValues(GraphQLSkipDirective, node, this.variables);
    if (skip?.['if'] === true) return false;
    const include = getDirectiveValues(GraphQLIncludeDirective, node, this.variables);
    return include?.['if'] !== false;
  }
}

/** `__typename` and the introspection fields: nothing to decide. */
const META_FIELD = {
  name: '__meta',
  args: [],
  extensions: {},
} as unknown as GraphQLField<unknown, unknown>;
