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
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import {
  ACCESS_RULE,
  ACCOUNT_PUBLIC_FIELDS,
  ACCOUNT_SHOWN,
  ARGUMENTS_CHECK,
  bindsService,
  isStaff,
  type AccessRule,
  type ArgumentsCheck,
} from './access.js';
import { ForbiddenError } from './auth.errors.js';
import type { Principal } from './principal.js';

type Field = GraphQLField<unknown, unknown>;

/**
 * What an operation reaches, as graphql-js will collect it (with its variables, `@skip`/`@include`, fragments,
 * every member of a union or interface): what the guard decides on.
 */
interface OperationPlan {
  /** A refusal that does not depend on the caller (more than one mutation field, a subscription's root). */
  refusal?: GraphQLError;
  /** The root fields, each with the access rule it declares. */
  roots: { field: Field; node: FieldNode; rule: AccessRule }[];
  /** Whether a root field is for an admin only (its rule binds a `service` too). */
  adminOnly: boolean;
  /** Nested fields that declare a check of their arguments. */
  checks: { field: Field; node: FieldNode; check: ArgumentsCheck }[];
  /** A field of another user's account that is not public, if the operation selects one (only staff may). */
  othersPrivate?: { field: string; publicFields: readonly string[] };
  /** Whether the plan depends on the variables (an `@skip` or `@include` was met): then it is not remembered. */
  variable: boolean;
}

/** Plans of operations that do not depend on their variables, by operation node (Apollo reuses parsed documents). */
const plans = new WeakMap<OperationDefinitionNode, OperationPlan>();

/**
 * Decides an operation before it runs, over every field it would reach:
 * - each root field's access rule, from its arguments (for a role `user`: staff may do everything);
 * - each nested field's arguments (e.g. a page's `first` and `after`);
 * - for a role `user`, that another user's account is shown at most by its public fields;
 * - a mutation carries one root field, a subscription exactly one.
 * So nothing in an answer can fail for the caller's rights or arguments after a change was committed: the
 * operation is refused whole, before anything is read or changed. Throws the refusal (a GraphQLError with its
 * HTTP status).
 */
export function guardOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  rawVariables: Readonly<Record<string, unknown>> | undefined,
  principal: Principal,
): void {
  let plan = plans.get(operation);
  // Staff may do everything: without arguments to check, nothing here depends on the variables.
  const staff = isStaff(principal) && !(principal.role === 'service' && plan?.adminOnly !== false);
  if (plan && staff && plan.checks.length === 0 && !plan.refusal) return;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  // Variables that do not fit are refused by the execution itself, before anything runs.
  if (coerced.errors) return;
  const variables = coerced.coerced;
  if (!plan) {
    plan = planOperation(schema, document, operation, variables);
    if (!plan.variable) plans.set(operation, plan);
  }
  if (plan.refusal) throw plan.refusal;
  if (principal.role === 'service') {
    for (const { field, node, rule } of plan.roots) {
      if (bindsService(rule)) rule(principal, getArgumentValues(field, node, variables));
    }
  }
  if (!isStaff(principal)) {
    for (const { field, node, rule } of plan.roots) rule(principal, getArgumentValues(field, node, variables));
    if (plan.othersPrivate) {
      const { field, publicFields } = plan.othersPrivate;
      throw new ForbiddenError(
        `A user may see of another user's account only ${publicFields.join(', ')}, not ${field}`,
      );
    }
  }
  for (const { field, node, check } of plan.checks) check(getArgumentValues(field, node, variables));
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

function planOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): OperationPlan {
  const plan: OperationPlan = { roots: [], adminOnly: false, checks: [], variable: false };
  const root = schema.getRootType(operation.operation);
  if (!root) return plan;
  const walk = new OperationWalk(schema, document, variables, plan);
  const collected = walk.collect(root, operation.selectionSet);
  const rootFields = collected.filter(([, node]) => !isMeta(node));
  if (operation.operation === 'subscription') {
    plan.refusal = subscriptionRootProblem(collected.map(([, node]) => node));
  }
  if (operation.operation === 'mutation' && new Set(rootFields.map(([, node]) => responseKey(node))).size > 1) {
    plan.refusal = badRequest(
      'A request may carry one mutation field: send each change as its own request, so that no failure of one can ' +
        'hide the commit of another',
    );
  }
  for (const [field, node] of rootFields) {
    const rule = field.extensions[ACCESS_RULE] as AccessRule | undefined;
    if (!rule) throw new Error(`Root field ${field.name} declares no access rule`);
    plan.roots.push({ field, node, rule });
    if (bindsService(rule)) plan.adminOnly = true;
    walk.fieldsBelow(field, node, undefined);
  }
  return plan;
}

/**
 * A subscription runs exactly one root field that is not introspection, counted with its variables: graphql-js
 * 16 checks this while validating, without variables, and fails on `@include(if: $v)` there (that check is left
 * out of the subscriptions' validation and made here instead, see http/websocket.ts).
 */
function subscriptionRootProblem(nodes: readonly FieldNode[]): GraphQLError | undefined {
  const keys = new Set(nodes.map(responseKey));
  if (keys.size === 0) {
    return badRequest('This subscription selects no field: its root field is left out by @skip or @include');
  }
  if (keys.size > 1) return badRequest('A subscription must select only one root field');
  if (nodes.some(isMeta)) return badRequest('A subscription must not select an introspection field at its root');
  return undefined;
}

const responseKey = (node: FieldNode): string => node.alias?.value ?? node.name.value;

function badRequest(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}

const isMeta = (node: FieldNode): boolean => node.name.value.startsWith('__');

/** Whose account a selection shows: not an account, the caller's own, or another user's. */
type Shown = undefined | 'own' | 'other';

/** Walks an operation's selections as graphql-js collects them, noting into `plan` what the guard decides on. */
class OperationWalk {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variables: Record<string, unknown>,
    private readonly plan: OperationPlan,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  /** The fields of `type` that `selectionSet` selects, with the node of each (as graphql-js collects them). */
  collect(type: GraphQLObjectType, selectionSet: SelectionSetNode): [Field, FieldNode][] {
    const fields: [Field, FieldNode][] = [];
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

  /** Notes what `node` selects below `field` (of a parent showing `shown`), for every type it may have. */
  fieldsBelow(field: Field, node: FieldNode, shown: Shown): void {
    const type = getNamedType(field.type);
    if (!node.selectionSet) return;
    const isAccount = type.extensions[ACCOUNT_PUBLIC_FIELDS] !== undefined;
    const below: Shown = isAccount ? (field.extensions[ACCOUNT_SHOWN] === 'own' ? 'own' : 'other') : shown;
    for (const concrete of this.objectTypes(type)) {
      for (const [child, childNode] of this.collect(concrete, node.selectionSet)) {
        if (isMeta(childNode)) continue;
        this.note(concrete, child, childNode, below);
        this.fieldsBelow(child, childNode, below);
      }
    }
  }

  private note(parent: GraphQLObjectType, field: Field, node: FieldNode, shown: Shown): void {
    const publicFields = parent.extensions[ACCOUNT_PUBLIC_FIELDS] as readonly string[] | undefined;
    if (publicFields && shown === 'other' && !publicFields.includes(field.name)) {
      this.plan.othersPrivate ??= { field: field.name, publicFields };
    }
    const check = field.extensions[ARGUMENTS_CHECK] as ArgumentsCheck | undefined;
    if (check) this.plan.checks.push({ field, node, check });
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

  private included(node: SelectionNode): boolean {
    if (!node.directives?.length) return true;
    const skip = getDirectiveValues(GraphQLSkipDirective, node, this.variables);
    const include = getDirectiveValues(GraphQLIncludeDirective, node, this.variables);
    if (skip || include) this.plan.variable = true;
    return skip?.['if'] !== true && include?.['if'] !== false;
  }
}

/** `__typename` and the introspection fields: nothing to decide. */
const META_FIELD = { name: '__meta', args: [], extensions: {} } as unknown as Field;
