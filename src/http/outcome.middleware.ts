import type { MiddlewareFn } from 'type-graphql';
import type { RequestContext } from '../context.js';

/** Records which root field ran and the name of its result type (union member, entity or page) for metrics. */
export const recordOutcome: MiddlewareFn<RequestContext> = async ({ context, info }, next) => {
  const result: unknown = await next();
  if (info.path.prev === undefined) {
    context.outcome.operation = info.fieldName;
    context.outcome.result =
      result === null || result === undefined
        ? 'null'
        : (result as { constructor?: { name?: string } }).constructor?.name;
  }
  return result;
};
