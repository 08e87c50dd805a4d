import { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import type { OperationResult } from './balance.answers.js';
import { HoldStatus, type HoldState } from '../holds/hold.entity.js';
import {
  HoldAlreadyCaptured,
  HoldAlreadyVoided,
  HoldExpired,
  HoldNotExpired,
  HoldNotFound,
} from '../holds/hold.types.js';
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
  /** Makes the operation apply at most once per user; a repeat gets the first answer. */
  idempotencyKey: string | null;
  /**
   * For a transfer (TRANSFER_OUT, `value` = -amount) and a capture for a payee (CAPTURE): who receives it, and
   * the id both ledger entries share.
   */
  transfer?: { payee: number; transferId: string };
  /** For the hold kinds: HOLD makes the hold (`value` = its amount), CAPTURE, VOID and EXPIRY end it. */
  hold?: HoldRequest;
}

/**
 * A hold operation's hold. HOLD: the new hold's id (taken from the holds' sequence before it is decided), how
 * long it lasts and whom a capture pays; CAPTURE (`value` = the amount to take, 0 for all of it), VOID, EXPIRY:
 * the hold they end.
 */
export interface HoldRequest {
  id: number;
  expiresInSeconds?: number;
  payee?: number | null;
}

/** The hold kinds: no balance path other than a locked round's decides them (it reads the holds first). */
export const HOLD_KINDS: ReadonlySet<LedgerEntryKind> = new Set([
  LedgerEntryKind.HOLD,
  LedgerEntryKind.CAPTURE,
  LedgerEntryKind.VOID,
  LedgerEntryKind.EXPIRY,
]);

/** What a batch's decision needs of holds: the user's held credits and its holds as read under the row lock. */
export interface Holding {
  held: number;
  /** The hold as read in this transaction (with `expired` by the database's clock), if it is this user's. */
  get(holdId: number): HoldState | undefined;
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
  idempotencyKey: string | null;
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
const NO_HOLDS: Holding = { held: 0, get: () => undefined };

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

function sameRequest(a: BalanceOperation, b: BalanceOperation): boolean {
  return (
    a.kind === b.kind &&
    a.value === b.value &&
    a.reason === b.reason &&
    a.transfer?.payee === b.transfer?.payee &&
    sameHold(a, b)
  );
}

/** Two hold operations ask the same: the same hold ended, or a hold made with the same terms. */
function sameHold(a: BalanceOperation, b: BalanceOperation): boolean {
  if (!a.hold || !b.hold) return a.hold === b.hold;
  if (a.kind !== LedgerEntryKind.HOLD) return a.hold.id === b.hold.id;
  return a.hold.expiresInSeconds === b.hold.expiresInSeconds && (a.hold.payee ?? null) === (b.hold.payee ?? null);
}

/** Whether a recorded entry is what `op` would have written (absolute kinds are recorded by their result). */
function recordedAs(op: BalanceOperation, entry: RecordedEntry): boolean {
  if (entry.kind !== op.kind || entry.reason !== op.reason) return false;
  if (op.hold) {
    const hold = entry.hold;
    if (!hold) return false;
    if (op.kind === LedgerEntryKind.HOLD) return hold.amount === op.value && hold.payee === (op.hold.payee ?? null);
    // A capture of "all of it" (0) is recorded as the amount it took.
    if (op.kind === LedgerEntryKind.CAPTURE && op.value !== 0 && -entry.amount !== op.value) return false;
    return hold.id === op.hold.id;
  }
  const value = ABSOLUTE.has(op.kind) ? entry.balanceAfter : entry.amount;
  return value === op.value && entry.transfer?.payee === op.transfer?.payee;
}

/** A hold operation's effect, decided against the hold as it stands in the batch. */
type HoldEffect =
  | { type: 'rejected'; result: OperationResult }
  /** `amount` leaves the balance and `held` changes the held credits; `kind` is the entry it writes. */
  | { type: 'change'; kind: LedgerEntryKind; amount: number; held: number; keepKey: boolean };

/** A hold that ended, as a refusal of a further ending. */
function ended(hold: HoldState): OperationResult {
  switch (hold.status) {
    case HoldStatus.CAPTURED:
      return new HoldAlreadyCaptured(hold.id, hold.captured!);
    case HoldStatus.VOIDED:
      return new HoldAlreadyVoided(hold.id);
    default:
      return new HoldExpired(hold.id, hold.expiresAt);
  }
}

/** A hold after an ending of `kind` (CAPTURE taking `captured`). */
function endedAs(hold: HoldState, kind: LedgerEntryKind, captured: number): HoldState {
  const status =
    kind === LedgerEntryKind.CAPTURE
      ? HoldStatus.CAPTURED
      : kind === LedgerEntryKind.VOID
        ? HoldStatus.VOIDED
        : HoldStatus.EXPIRED;
  return { ...hold, status, captured: status === HoldStatus.CAPTURED ? captured : null };
}

/**
 * Ending a hold (CAPTURE, VOID, EXPIRY): each hold ends once. A capture or void that finds the hold expired
 * but not yet released releases it (an EXPIRY entry, without the client's key: the client was refused) and is
 * answered HoldExpired, so an expiry never waits for the sweeper to win its race.
 */
function endHold(
  op: BalanceOperation,
  read: HoldState | undefined,
  endedInBatch?: ReadonlyMap<number, HoldState>,
): HoldEffect {
  const id = op.hold!.id;
  const hold = endedInBatch?.get(id) ?? read;
  if (!hold) return { type: 'rejected', result: new HoldNotFound(String(id)) };
  if (hold.status !== HoldStatus.OPEN) return { type: 'rejected', result: ended(hold) };
  if (hold.expired) {
    return { type: 'change', kind: LedgerEntryKind.EXPIRY, amount: 0, held: -hold.amount, keepKey: false };
  }
  if (op.kind === LedgerEntryKind.EXPIRY) return { type: 'rejected', result: new HoldNotExpired(id) };
  if (op.kind === LedgerEntryKind.VOID) {
    return { type: 'change', kind: LedgerEntryKind.VOID, amount: 0, held: -hold.amount, keepKey: true };
  }
  const take = op.value === 0 ? hold.amount : op.value;
  if (take > hold.amount) {
    return {
      type: 'rejected',
      result: new InvalidAmount(take, `A capture may take at most the held amount (${hold.amount})`),
    };
  }
  return { type: 'change', kind: LedgerEntryKind.CAPTURE, amount: -take, held: -hold.amount, keepKey: true };
}

function reused(key: string): Decision {
  return { type: 'rejected', result: new IdempotencyKeyReused(key) };
}

/**
 * Applies `ops` in order to `balance`: each accepted or rejected on its own, and an idempotency key that is
 * already `recorded` (by scoped key, or accepted earlier in the batch) answered as the first time. Spending
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
    const key = op.idempotencyKey === null ? null : scopedKey(op.kind, op.idempotencyKey);
    if (key !== null) {
      const entry = recorded.get(key);
      if (entry) return recordedAs(op, entry) ? { type: 'recorded', entry } : reused(op.idempotencyKey!);
      const earlier = acceptedKeys?.get(key);
      if (earlier !== undefined) {
        return sameRequest(op, ops[earlier]!) ? { type: 'repeat', of: earlier } : reused(op.idempotencyKey!);
      }
    }
    let kind = op.kind;
    let amount = ABSOLUTE.has(op.kind) ? op.value - running : op.value;
    let heldChange = 0;
    let keepKey = true;
    if (op.kind === LedgerEntryKind.HOLD) {
      amount = 0;
      heldChange = op.value;
      const payee = op.hold!.payee;
      if (payee != null && payees.balanceOf(payee) === undefined) {
        return { type: 'rejected', result: new UserNotFound(String(payee), UserSide.PAYEE) };
      }
    } else if (op.hold) {
      const effect = endHold(op, holding.get(op.hold.id), endedInBatch);
      if (effect.type === 'rejected') return effect;
      ({ kind, amount, keepKey } = effect);
      heldChange = effect.held;
    }
    if (op.transfer && kind !== LedgerEntryKind.EXPIRY) {
      const payeeBalance = payees.balanceOf(op.transfer.payee);
      if (payeeBalance === undefined) {
        return { type: 'rejected', result: new UserNotFound(String(op.transfer.payee), UserSide.PAYEE) };
      }
      const payeeAfter = payeeBalance + (credited?.get(op.transfer.payee) ?? 0) - amount;
      if (payeeAfter > MAX_BALANCE) {
        return {
          type: 'rejected',
          result: new InvalidAmount(-amount, `The payee's balance may not exceed ${MAX_BALANCE}`),
        };
      }
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
    running = next;
    held = heldNext;
    if (key !== null && keepKey) (acceptedKeys ??= new Map()).set(key, index);
    if (op.hold && kind !== LedgerEntryKind.HOLD) {
      (endedInBatch ??= new Map()).set(op.hold.id, endedAs(holding.get(op.hold.id)!, kind, -amount));
    }
    const transfer = kind === LedgerEntryKind.EXPIRY ? undefined : op.transfer;
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

/** The distinct idempotency keys of `ops`. */
export function keysOf(ops: readonly BalanceOperation[]): string[] {
  return [...new Set(ops.flatMap((op) => (op.idempotencyKey === null ? [] : [op.idempotencyKey])))];
}
