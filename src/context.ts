import type { Principal } from './modules/auth/principal.js';

/** What each GraphQL request carries through Apollo, the resolvers and the metrics. */
export interface RequestContext {
  /** From `x-request-id` when the caller sent a usable one, else generated; echoed in the response and logs. */
  readonly requestId: string;
  principal: Principal;
  /**
   * Filled in while the request runs, for the metrics. An object of its own because Apollo hands each
   * operation a shallow copy of the context: the copy shares this object.
   */
  readonly outcome: RequestOutcome;
}

export interface RequestOutcome {
  /** The root field that ran (the last one when a document has several). */
  operation?: string;
  /** Its result type (e.g. `BalanceUpdated`), or the first error code; the metrics' `result` label. */
  result?: string;
}
