import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';

/**
 * Subscriptions with one execution per event and document: the feed hands the same message object to every
 * subscriber of a user, so subscribers asking the same thing (same query, variables and caller) share the
 * result instead of each running GraphQL on it. `key` says what must match for two subscribers to share.
 */
export async function subscribeShared(
  args: ExecutionArgs,
  key: string,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const source = stream as AsyncIterableIterator<unknown>;
  const run = (event: unknown): Promise<ExecutionResult> | ExecutionResult => {
    if (typeof event !== 'object' || event === null) return execute({ ...args, rootValue: event });
    let byKey = results.get(event);
    if (!byKey) results.set(event, (byKey = new Map()));
    let result = byKey.get(key);
    if (!result) byKey.set(key, (result = execute({ ...args, rootValue: event })));
    return result;
  };
  // An iterator, not an async generator: `return` must reach the source at once, even while a pull waits.
  const mapped: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const next = await source.next();
      return next.done ? { value: undefined, done: true } : { value: await run(next.value), done: false };
    },
    async return() {
      await source.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}

/** Results by event object; an event's entry goes with it once no queue holds it any more. */
const results = new WeakMap<object, Map<string, Promise<ExecutionResult> | ExecutionResult>>();
