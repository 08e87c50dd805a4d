import { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import { keyId, type IdempotencyKey, type RecordedKeySpace } from './idempotency.js';
import type { OperationResult } from './balance.answers.js';
import type { HoldState } from '../holds/hold.entity.js';
import { endedAs, holdEffect, NO_HOLDS, type Holding, type HoldRequest } from '../holds/hold.decide.js';
import {
  IdempotencyKeyReused,
  InsufficientFunds,
  InvalidAmount,
  MAX_BALANCE,
  UserNotFound,
  UserSide,
} from './balance.types.js';

/**
 * One requested change. Relative kinds add `value` (negative to take away); RESET and SET move the balance
 * to `value`, whatever it is when their turn comes.
 */
export interface BalanceOperation {
  kind: LedgerEntryKind;
  value: number;
  reason: string | null;
  /** Makes the operation apply at most once per user and key space; a repeat of the same request gets the first answer. */
  idempotencyKey: IdempotencyKey | null;
  /**
   * For a transfer (TRANSFER_OUT, `value` = -amount) and a capture for a payee (CAPTURE): who receives it, and
   * the id both ledger entries share.
   */
  transfer?: { payee: number; transferId: string };
  /** For the hold kinds: HOLD makes the hold (`value` = its amount), CAPTURE, VOID and EXPIRY end it. */
  hold?: HoldRequest;
}

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
  /** For a hold entry: the hold, with the amount and payee it was made with. */
  hold?: { id: number; amount: number; payee: number | null };
}

/** One accepted change, ready to write as a ledger row. */
export interface EntryToWrite {
  amount: number;
  balanceAfter: number;
  /** The change of the user's held credits (a hold's amount, negative when it ends) and the total after it. */
  held: number;
  heldAfter: number;
  kind: LedgerEntryKind;
  reason: string | null;
  idempotencyKey: IdempotencyKey | null;
  /** For a transfer's payer entry: the payee (the counterparty) and the shared id. */
  transfer?: { payee: number; transferId: string };
  /** For a hold entry: the hold (for HOLD, as the holds table gets it). */
  hold?: HoldRequest;
}

/** What a batch's decision needs to know of the payees of its transfers (read under a row lock). */
export interface Payees {
  /** The payee's balance, undefined when no such user exists. */
  balanceOf(payee: number): number | undefined;
}

const NO_PAYEES: Payees = { balanceOf: () => undefined };

export type Decision =
  | { type: 'accepted'; amount: number; balanceAfter: number; entry: number }
  | { type: 'rejected'; result: OperationResult }
  /** Repeats an idempotency key accepted earlier in the same batch. */
  | { type: 'repeat'; of: number }
  /** Repeats an idempotency key recorded in the ledger before. */
  | { type: 'recorded'; entry: RecordedEntry };

export interface BatchDecision {
  /** The balance and the held credits after every accepted operation. */
  balance: number;
  held: number;
  decisions: Decision[];
  /** The accepted operations, in order: one ledger row each. */
  entries: EntryToWrite[];
}

const ABSOLUTE = new Set<LedgerEntryKind>([LedgerEntryKind.RESET, LedgerEntryKind.SET]);

function reused(key: IdempotencyKey): Decision {
  return { type: 'rejected', result: new IdempotencyKeyReused(key.text) };
}

/**
 * Applies `ops` in order to `balance`: each accepted or rejected on its own. An idempotency key already
 * `recorded` (by key id, see keyId), or accepted earlier in the batch, is answered as the first time when the
 * request is the same (every parameter as sent), else IdempotencyKeyReused: the same answer however the two
 * requests were grouped into batches. Spending
 * (withdrawals, transfers, new holds) is checked against what is available: the balance less the held
 * credits. Pure: no I/O, no clock (a hold's expiry comes with it, read by the database's clock).
 */
export function decideBatch(
  balance: number,
  ops: readonly BalanceOperation[],
  recorded: ReadonlyMap<string, RecordedEntry> = new Map(),
  payees: Payees = NO_PAYEES,
  holding: Holding = NO_HOLDS,
): BatchDecision {
  let running = balance;
  let held = holding.held;
  // What this batch's transfers already credited to each payee (most batches have none: made when needed).
  let credited: Map<number, number> | undefined;
  /** Holds this batch ended, as they are after it. */
  let endedInBatch: Map<number, HoldState> | undefined;
  const entries: EntryToWrite[] = [];
  let acceptedKeys: Map<string, number> | undefined;
  const decisions = ops.map((op, index): Decision => {
    const requestKey = op.idempotencyKey;
    const key = requestKey && keyId(requestKey.space, requestKey.text);
    if (requestKey !== null && key !== null) {
      // A legacy key (recorded before key spaces) is refused whoever repeats it: its request is unknown.
      const entry = recorded.get(key) ?? recorded.get(keyId('legacy', requestKey.text));
      if (entry) {
        const same = entry.space !== 'legacy' && entry.request === requestKey.request;
        return same ? { type: 'recorded', entry } : reused(requestKey);
      }
      const earlier = acceptedKeys?.get(key);
      if (earlier !== undefined) {
        const same = ops[earlier]!.idempotencyKey!.request === requestKey.request;
        return same ? { type: 'repeat', of: earlier } : reused(requestKey);
      }
    }
    let kind = op.kind;
    let amount = ABSOLUTE.has(op.kind) ? op.value - running : op.value;
    let heldChange = 0;
    let keepKey = true;
    let transfer = op.transfer;
    if (op.hold) {
      const effect = holdEffect({ ...op, hold: op.hold }, holding, payees, endedInBatch);
      if (effect.type === 'rejected') return effect;
      ({ kind, amount, keepKey, transfer } = effect);
      heldChange = effect.held;
    }
    const next = running + amount;
    const heldNext = held + heldChange;
    // Only spending is refused for want of funds: a capture or a release never leaves less available.
    if (next - heldNext < 0 && (amount < 0 || heldChange > 0)) {
      if (ABSOLUTE.has(op.kind) && next >= 0) {
        return {
          type: 'rejected',
          result: new InvalidAmount(op.value, `The balance may not go below the credits on hold (${held})`),
        };
      }
      return { type: 'rejected', result: new InsufficientFunds(running, -amount || heldChange, running - held) };
    }
    if (next > MAX_BALANCE) {
      return { type: 'rejected', result: new InvalidAmount(amount, `The balance may not exceed ${MAX_BALANCE}`) };
    }
    // The payee last: whether an id names a user is told only to a payer whose transfer would otherwise go
    // through, so finding out costs the payer the transfer to every id that does (docs/design.md, "Access").
    if (transfer) {
      const payeeBalance = payees.balanceOf(transfer.payee);
      if (payeeBalance === undefined) {
        return { type: 'rejected', result: new UserNotFound(String(transfer.payee), UserSide.PAYEE) };
      }
      const payeeAfter = payeeBalance + (credited?.get(transfer.payee) ?? 0) - amount;
      if (payeeAfter > MAX_BALANCE) {
        return {
          type: 'rejected',
          result: new InvalidAmount(-amount, `The payee's balance may not exceed ${MAX_BALANCE}`),
        };
      }
    }
    running = next;
    held = heldNext;
    if (key !== null && keepKey) (acceptedKeys ??= new Map()).set(key, index);
    if (op.hold && kind !== LedgerEntryKind.HOLD) {
      (endedInBatch ??= new Map()).set(op.hold.id, endedAs(holding.get(op.hold.id)!, kind, amount));
    }
    if (transfer) {
      credited ??= new Map();
      credited.set(transfer.payee, (credited.get(transfer.payee) ?? 0) - amount);
    }
    entries.push({
      amount,
      balanceAfter: next,
      held: heldChange,
      heldAfter: heldNext,
      kind,
      reason: kind === op.kind ? op.reason : null,
      idempotencyKey: keepKey ? op.idempotencyKey : null,
      transfer,
      hold: op.hold,
    });
    return { type: 'accepted', amount, balanceAfter: next, entry: entries.length - 1 };
  });
  return { balance: running, held, decisions, entries };
}

/** The distinct texts of the idempotency keys of `ops` (looked up in every space). */
export function keysOf(ops: readonly BalanceOperation[]): string[] {
  return [...new Set(ops.flatMap((op) => (op.idempotencyKey === null ? [] : [op.idempotencyKey.text])))];
}
