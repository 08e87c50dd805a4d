import {
  defaultFieldResolver,
  getNamedType,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import type { RequestContext } from '../context.js';

/**
 * Wraps the resolver of every root field (queries, mutations, subscription events) once, so the request's outcome
 * records which root field ran and the name of its result type (union member, entity or page) for metrics.
 * Root fields only, and not as a type-graphql global middleware: that would wrap every field of every answer in
 * async functions, turning each leaf field into promises (measured: burst CPU and garbage per request).
 */
export function recordOutcomes(schema: GraphQLSchema): void {
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      field.resolve = recording(field.resolve ?? defaultFieldResolver);
    }
  }
}

function recording(
  resolve: GraphQLFieldResolver<unknown, RequestContext>,
): GraphQLFieldResolver<unknown, RequestContext> {
  return (root, args, context, info) => {
    // Named before it runs, so a field that throws is still counted under its name (with the error code).
    context.outcome.operation = info.fieldName;
    const result: unknown = resolve(root, args, context, info);
    if (result instanceof Promise) {
      return result.then((value: unknown) => {
        context.outcome.result = resultName(value, info);
        return value;
      });
    }
    context.outcome.result = resultName(result, info);
    return result;
  };
}

/**
 * The result's type: an outcome's or refusal's `type` (a union member), else its class (an entity or a page); a
 * plain object without either is named by the field's type.
 */
function resultName(result: unknown, info: GraphQLResolveInfo): string {
  if (result === null || result === undefined) return 'null';
  const tagged = (result as { type?: unknown }).type;
  if (typeof tagged === 'string') return tagged;
  const name = (result as { constructor?: { name?: string } }).constructor?.name;
  return name && name !== 'Object' ? name : getNamedType(info.returnType).name;
}
