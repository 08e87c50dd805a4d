import { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import type { UserState } from '../users/user.entity.js';
import {
  BalanceUpdated,
  IdempotencyKeyReused,
  InsufficientFunds,
  InvalidAmount,
  MAX_BALANCE,
  type UpdateBalanceResult,
} from './balance.types.js';

/**
 * One requested change. Relative kinds add `value` (negative to take away); RESET and SET move the balance
 * to `value`, whatever it is when their turn comes.
 */
export interface BalanceOperation {
  kind: LedgerEntryKind;
  value: number;
  reason: string | null;
  /** Makes the operation apply at most once per user; a repeat gets the first answer. */
  idempotencyKey: string | null;
}

/**
 * Idempotency keys live in two spaces: the system's (the daily grant, GRANT entries) and the clients' (every
 * other kind). The same text in the two spaces is two different keys, so no client can pre-empt a system key.
 */
export function keySpace(kind: LedgerEntryKind): 'system' | 'client' {
  return kind === LedgerEntryKind.GRANT ? 'system' : 'client';
}

/** An idempotency key together with its space: what must be unique per user. */
export function scopedKey(kind: LedgerEntryKind, key: string): string {
  return `${keySpace(kind)}:${key}`;
}

/** A ledger entry recorded under an idempotency key. */
export interface RecordedEntry {
  id: string;
  amount: number;
  balanceAfter: number;
  kind: LedgerEntryKind;
  reason: string | null;
}

/** One accepted change, ready to write as a ledger row. */
export interface EntryToWrite {
  amount: number;
  balanceAfter: number;
  kind: LedgerEntryKind;
  reason: string | null;
  idempotencyKey: string | null;
}

export type Decision =
  | { type: 'accepted'; amount: number; balanceAfter: number; entry: number }
  | { type: 'rejected'; result: UpdateBalanceResult }
  /** Repeats an idempotency key accepted earlier in the same batch. */
  | { type: 'repeat'; of: number }
  /** Repeats an idempotency key recorded in the ledger before. */
  | { type: 'recorded'; entry: RecordedEntry };

export interface BatchDecision {
  /** The balance after every accepted operation. */
  balance: number;
  decisions: Decision[];
  /** The accepted operations, in order: one ledger row each. */
  entries: EntryToWrite[];
}

const ABSOLUTE = new Set<LedgerEntryKind>([LedgerEntryKind.RESET, LedgerEntryKind.SET]);

function sameRequest(a: BalanceOperation, b: BalanceOperation): boolean {
  return a.kind === b.kind && a.value === b.value && a.reason === b.reason;
}

/** Whether a recorded entry is what `op` would have written (absolute kinds are recorded by their result). */
function recordedAs(op: BalanceOperation, entry: RecordedEntry): boolean {
  const value = ABSOLUTE.has(op.kind) ? entry.balanceAfter : entry.amount;
  return entry.kind === op.kind && value === op.value && entry.reason === op.reason;
}

function reused(key: string): Decision {
  return { type: 'rejected', result: new IdempotencyKeyReused(key) };
}

/**
 * Applies `ops` in order to `balance`: each accepted or rejected on its own, and an idempotency key that is
 * already `recorded` (by scoped key, or accepted earlier in the batch) answered as the first time. Pure: no
 * I/O, no clock.
 */
export function decideBatch(
  balance: number,
  ops: readonly BalanceOperation[],
  recorded: ReadonlyMap<string, RecordedEntry> = new Map(),
): BatchDecision {
  let running = balance;
  const entries: EntryToWrite[] = [];
  const acceptedKeys = new Map<string, number>();
  const decisions = ops.map((op, index): Decision => {
    const key = op.idempotencyKey === null ? null : scopedKey(op.kind, op.idempotencyKey);
    if (key !== null) {
      const entry = recorded.get(key);
      if (entry) return recordedAs(op, entry) ? { type: 'recorded', entry } : reused(op.idempotencyKey!);
      const earlier = acceptedKeys.get(key);
      if (earlier !== undefined) {
        return sameRequest(op, ops[earlier]!) ? { type: 'repeat', of: earlier } : reused(op.idempotencyKey!);
      }
    }
    const amount = ABSOLUTE.has(op.kind) ? op.value - running : op.value;
    const next = running + amount;
    if (next < 0) return { type: 'rejected', result: new InsufficientFunds(running, -amount) };
    if (next > MAX_BALANCE) {
      return { type: 'rejected', result: new InvalidAmount(amount, `The balance may not exceed ${MAX_BALANCE}`) };
    }
    running = next;
    if (key !== null) acceptedKeys.set(key, index);
    entries.push({ amount, balanceAfter: next, kind: op.kind, reason: op.reason, idempotencyKey: op.idempotencyKey });
    return { type: 'accepted', amount, balanceAfter: next, entry: entries.length - 1 };
  });
  return { balance: running, decisions, entries };
}

/** The distinct idempotency keys of `ops`. */
export function keysOf(ops: readonly BalanceOperation[]): string[] {
  return [...new Set(ops.flatMap((op) => (op.idempotencyKey === null ? [] : [op.idempotencyKey])))];
}

/**
 * The user right after entry `index` of a batch committed as `after`: a batch of n entries moves the version by
 * n, one per change, so each change has its own version (and its own balance) to answer with.
 */
export function stateAfterEntry(after: UserState, decided: BatchDecision, index: number): UserState {
  const entry = decided.entries[index]!;
  return { ...after, balance: entry.balanceAfter, version: after.version - decided.entries.length + index + 1 };
}

/**
 * One answer per operation of a decided batch. `before` is the user the batch was decided against (for
 * refusals); `after` the committed user and `entryIds` the ids of the written entries (empty when nothing
 * was written).
 */
export function answers(
  decided: BatchDecision,
  before: UserState,
  after: UserState,
  entryIds: readonly string[],
): UpdateBalanceResult[] {
  const results = decided.decisions.map((decision): UpdateBalanceResult | undefined => {
    switch (decision.type) {
      case 'accepted':
        return new BalanceUpdated(
          stateAfterEntry(after, decided, decision.entry),
          decision.amount,
          decision.balanceAfter,
          entryIds[decision.entry]!,
        );
      case 'recorded':
        // A replay: the change happened before; `user` is the user as it is now.
        return new BalanceUpdated(
          decided.entries.length > 0 ? after : before,
          decision.entry.amount,
          decision.entry.balanceAfter,
          decision.entry.id,
          true,
        );
      case 'rejected':
        return decision.result;
      case 'repeat':
        return undefined;
    }
  });
  return decided.decisions.map((decision, i) => {
    if (decision.type !== 'repeat') return results[i]!;
    const first = results[decision.of] as BalanceUpdated;
    return new BalanceUpdated(first.user, first.amount, first.balance, first.entryId, true);
  });
}
