import { createHash } from 'node:crypto';
import type { LedgerEntryKind } from './ledger.js';

/**
 * Whose requests an idempotency key is unique among, on one user's account. A key of one space never meets a key
 * of another, so no principal can pre-empt another's key (a user cannot block the capture of its own hold by
 * using the service's capture key first; no client can block a grant):
 * - `user`: the account holder's own requests (role `user`);
 * - `staff`: requests of a service or an admin (every staff credential may already change any account, so they
 *   are one party);
 * - `system`: the service's own operations (the daily grant).
 * Keys recorded before key spaces existed are in space `legacy`: a repeat of one is refused as
 * IdempotencyKeyReused whoever sends it (what it was sent with is unknown), never applied a second time.
 */
export type KeySpace = 'user' | 'staff' | 'system';
export type RecordedKeySpace = KeySpace | 'legacy';

/** An idempotency key as a caller sent it, in the caller's key space. */
export interface ClientKey {
  readonly text: string;
  readonly space: KeySpace;
}

/** An idempotency key with the request it came with: a repeat of the key with another request is refused. */
export interface IdempotencyKey extends ClientKey {
  /** The request's parameters as sent (normalised), digested; null for the system's keys, whose text says it all. */
  readonly request: string | null;
}

/**
 * The key of a request of `kind` whose parameters, as sent (ids as numbers, omitted as null), are `parameters`.
 * Every parameter counts: two requests under one key are the same request only if all of them are equal.
 */
export function keyOfRequest(
  key: ClientKey | null,
  kind: LedgerEntryKind | 'BATCH',
  parameters: readonly (string | number | null)[],
): IdempotencyKey | null {
  if (key === null) return null;
  const digest = createHash('sha256')
    .update(JSON.stringify([kind, ...parameters]))
    .digest('base64url');
  return { text: key.text, space: key.space, request: digest.slice(0, 22) };
}

/** What must be unique per user: a key's text in its space. */
export function keyId(space: RecordedKeySpace, text: string): string {
  return `${space}:${text}`;
}

/**
 * The key of a request that also expects a version (compare-and-set): another request than the same parameters
 * without it, or with another version. A request without one keeps its digest as it always was.
 */
export function keyExpectingVersion(key: IdempotencyKey, expectedVersion: number): IdempotencyKey {
  const digest = createHash('sha256')
    .update(JSON.stringify([key.request, 'expectedVersion', expectedVersion]))
    .digest('base64url');
  return { ...key, request: digest.slice(0, 22) };
}
