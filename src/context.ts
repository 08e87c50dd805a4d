import type { Principal } from './modules/auth/principal.js';

/** What each GraphQL request carries through Apollo, the resolvers and the metrics. */
export interface RequestContext {
  /** From `x-request-id` when the caller sent a usable one, else generated; echoed in the response and logs. */
  readonly requestId: string;
  principal: Principal;
  /** The root field that ran (the last one when a document has several). */
  operation: string | undefined;
  /** Its result type (e.g. `BalanceUpdated`), or the first error code; the metrics' `result` label. */
  result: string | undefined;
}
