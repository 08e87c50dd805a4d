import type { MiddlewareFn } from 'type-graphql';
import type { RequestContext } from '../context.js';

/** Records which root field ran and the name of its result type (union member, entity or page) for metrics. */
export const recordOutcome: MiddlewareFn<RequestContext> = async ({ context, info }, next) => {
  const root = info.path.prev === undefined;
  // Named before it runs, so a field that throws is still counted under its name (with the error code).
  if (root) context.outcome.operation = info.fieldName;
  const result: unknown = await next();
  if (root) {
    context.outcome.result =
      result === null || result === undefined
        ? 'null'
        : (result as { constructor?: { name?: string } }).constructor?.name;
  }
  return result;
};
