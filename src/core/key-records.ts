import type { RecordedKeySpace, IdempotencyKey } from './idempotency.js';
import type { LedgerEntryKind } from './ledger.js';
import type { Operation } from './operations.js';
import { isRecordedUnderKey, isRefusal, type Refusal } from './refusals.js';

// What an idempotency key is recorded with (the entry its request wrote, or the refusal it was answered), and
// which of a batch's answers to record: a repeat of the request, or a first attempt that comes late, is answered
// from the record instead of being decided again (docs/design.md, "Idempotency keys").

/** A ledger entry recorded under an idempotency key. */
export interface RecordedEntry {
  id: string;
  /** The key's space, and the request it was recorded with (null: a system key, or a legacy one). */
  space: RecordedKeySpace;
  request: string | null;
  amount: number;
  balanceAfter: number;
  kind: LedgerEntryKind;
  reason: string | null;
  /** For a transfer's payer entry: the payee, the shared id, and the payee's entry. */
  transfer?: { payee: number; transferId: string; payeeEntryId: string };
  /** For a hold entry: the hold. */
  hold?: { id: number; amount: number; payee: number | null };
}

/** A refusal recorded under an idempotency key: a repeat of the same request gets it again. */
export interface RecordedRefusal {
  space: RecordedKeySpace;
  request: string | null;
  refusal: Refusal;
}

/** What a key was recorded with: the entry its request wrote, or the refusal it was answered. */
export type RecordedAnswer = RecordedEntry | RecordedRefusal;

export const isRecordedRefusal = (recorded: RecordedAnswer): recorded is RecordedRefusal => 'refusal' in recorded;

/** How an operation was decided (core/decide.ts's Decision, as far as recording needs it). */
interface DecidedAs {
  type: 'accepted' | 'rejected' | 'repeat' | 'recorded';
  /** A refusal answered again from a record, not decided now. */
  replay?: true;
}

/** A refusal decided now under an idempotency key, to record beside the batch's writes. */
export interface RefusalToRecord {
  key: IdempotencyKey;
  refusal: Refusal;
}

/**
 * The refusals answered to `ops` (`results`, from `decided`) to record under their keys: decided now (not replays)
 * and answers about the request itself (isRecordedUnderKey); a capture or void that found its hold expired too
 * (accepted: it wrote the release). Once recorded, a repeat of the request, or a first attempt that comes late,
 * gets the same refusal instead of being decided again.
 */
export function refusalsToRecord(
  ops: readonly Operation[],
  decisions: readonly DecidedAs[],
  results: readonly { type: string }[],
): RefusalToRecord[] {
  return decisions.flatMap((decision, i) => {
    const key = ops[i]!.idempotencyKey;
    const result = results[i]!;
    const decidedNow = decision.type === 'accepted' || (decision.type === 'rejected' && !decision.replay);
    if (key === null || !decidedNow || !isRefusal(result) || !isRecordedUnderKey(result)) return [];
    // Whether this request released the hold is the sweeper's count, not part of the answer to repeat.
    return [{ key, refusal: result.type === 'HoldExpired' ? { ...result, releasedNow: false } : result }];
  });
}

/** The distinct texts of the idempotency keys of `ops` (looked up in every space). */
export function keysOf(ops: readonly Operation[]): string[] {
  return [...new Set(ops.flatMap((op) => (op.idempotencyKey === null ? [] : [op.idempotencyKey.text])))];
}
