// When a failed webhook delivery is tried again: exponential backoff with jitter (the base doubles per failure,
// up to a ceiling), until the event's first attempt is older than the policy's maximum age; then it is failed.

export interface RetryPolicy {
  /** The wait after the first failure; each further failure doubles it. */
  readonly baseMs: number;
  /** The longest wait between two attempts. */
  readonly maxDelayMs: number;
  /** After this long since its first attempt, an event is given up (marked FAILED) instead of tried again. */
  readonly maxAgeMs: number;
}

/** Jitter: each wait is the schedule's value times a factor from 0.8 to 1.2, so retries of many streams spread. */
const JITTER = 0.2;

/** The wait before the next attempt after `failures` failures in a row (1 or more). */
export function retryDelay(policy: RetryPolicy, failures: number, random: () => number = Math.random): number {
  const scheduled = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** Math.min(failures - 1, 40));
  return Math.round(scheduled * (1 - JITTER + 2 * JITTER * random()));
}

/** Whether an event first attempted at `firstAttemptMs` is given up rather than tried again at `nextAttemptMs`. */
export function givesUp(policy: RetryPolicy, firstAttemptMs: number, nextAttemptMs: number): boolean {
  return nextAttemptMs - firstAttemptMs > policy.maxAgeMs;
}
