import { decideOperation, endedAs, type Effect } from './decisions.js';
import type { HoldState } from './hold.js';
import { keyId, type IdempotencyKey } from './idempotency.js';
import { isRecordedRefusal, type RecordedAnswer, type RecordedEntry } from './key-records.js';
import { LedgerEntryKind } from './ledger.js';
import type { Operation } from './operations.js';
import {
  idempotencyKeyReused,
  insufficientFunds,
  invalidAmount,
  userNotFound,
  versionMismatch,
  type Refusal,
} from './refusals.js';
import { MAX_BALANCE } from './user.js';

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
  /** For an entry of a transfer (or a paid capture): the other user (the payee, or the payer of a payee's entry), and the id both entries share. */
  transfer?: { counterparty: number; transferId: string };
  /** For a hold entry: the hold (for HOLD, as the holds table gets it). */
  hold?: Effect['hold'];
}

/** What a batch's decision needs to know of the payees of its operations (read under a row lock). */
export interface Payees {
  /** The payee's balance, undefined when no such user exists. */
  balanceOf(payee: number): number | undefined;
}

/** What a batch's decision needs of holds: the user's held credits and its holds as read under the row lock. */
export interface Holding {
  held: number;
  /**
   * The account's id and version as read in this transaction; absent where nothing was read (a relative plan),
   * which no operation expecting a version ever gets (needsLock).
   */
  account?: { id: number; version: number };
  /** The hold as read in this transaction (with `expired` by the database's clock), if it is this user's. */
  get(holdId: number): HoldState | undefined;
}

const NO_PAYEES: Payees = { balanceOf: () => undefined };
export const NO_HOLDS: Holding = { held: 0, get: () => undefined };

export type Decision =
  | { type: 'accepted'; amount: number; balanceAfter: number; entry: number }
  /** Refused; `replay`: the refusal recorded under the key before (or earlier in the batch), not decided now. */
  | { type: 'rejected'; result: Refusal; replay?: true }
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

/**
 * The account's rules, the same for every kind of operation: spending (less available, more held) never leaves
 * less than nothing available, the balance never passes the largest one, and a payee exists and can take the
 * credit. The payee comes last: whether an id names a user is told only to a payer whose operation would
 * otherwise go through, so finding out costs the payment (docs/design.md, "Access").
 */
function refusedByRules(
  effect: Effect,
  balance: number,
  held: number,
  payeeBalance: (payee: number) => number | undefined,
): Refusal | undefined {
  const next = balance + effect.amount;
  const heldNext = held + effect.held;
  // Only spending is refused for want of funds: a capture or a release never leaves less available.
  if (next - heldNext < 0 && (effect.amount < 0 || effect.held > 0)) {
    if (effect.absolute && next >= 0) {
      return invalidAmount(next, `The balance may not go below the credits on hold (${held})`);
    }
    return insufficientFunds(balance, -effect.amount || effect.held, balance - held);
  }
  if (next > MAX_BALANCE) return invalidAmount(effect.amount, `The balance may not exceed ${MAX_BALANCE}`);
  const transfer = effect.transfer;
  if (transfer) {
    const payeeNow = payeeBalance(transfer.payee);
    if (payeeNow === undefined) return userNotFound(String(transfer.payee), 'PAYEE');
    if (payeeNow - effect.amount > MAX_BALANCE) {
      return invalidAmount(-effect.amount, `The payee's balance may not exceed ${MAX_BALANCE}`);
    }
  }
  return undefined;
}

/** The ledger entry an accepted `effect` of `op` writes, leaving the account at `balanceAfter` and `heldAfter`. */
export function entryOf(op: Operation, effect: Effect, balanceAfter: number, heldAfter: number): EntryToWrite {
  return {
    amount: effect.amount,
    balanceAfter,
    held: effect.held,
    heldAfter,
    kind: effect.kind,
    reason: effect.reason,
    idempotencyKey: effect.keepKey ? op.idempotencyKey : null,
    transfer: effect.transfer && { counterparty: effect.transfer.payee, transferId: effect.transfer.transferId },
    hold: effect.hold,
  };
}

/** An account as a decision sees it: where the operations before this one left it. */
export interface AccountView {
  balance: number;
  held: number;
  /** The account's id and version as the operations before left it (one version per entry); absent: not read. */
  read?: { id: number; version: number };
  /** The hold as read under the row lock, or as the operations before ended it; undefined when not this user's. */
  hold(holdId: number): HoldState | undefined;
}

/**
 * One operation decided against its account: its kind's decision, then the account's rules. `payeeBalance` is a
 * payee's balance as the operations before left it (undefined: no such user).
 */
export function decideStep(
  op: Operation,
  account: AccountView,
  payeeBalance: (payee: number) => number | undefined,
): Effect | Refusal {
  if (op.expectedVersion !== undefined) {
    // Compared with the row as locked (needsLock): a version from memory could be another process's past.
    if (!account.read) throw new Error('an operation that expects a version was decided without reading its account');
    const { id, version } = account.read;
    if (version !== op.expectedVersion) return versionMismatch(id, op.expectedVersion, version);
  }
  const context = {
    balance: account.balance,
    held: account.held,
    hold: (holdId: number) => account.hold(holdId),
    exists: (userId: number) => payeeBalance(userId) !== undefined,
  };
  const effect = decideOperation(op, context);
  if ('type' in effect) return effect;
  return refusedByRules(effect, account.balance, account.held, payeeBalance) ?? effect;
}

/**
 * Applies `ops` (one account's, in order) to `balance`: each decided by its kind's decision, then by the account's
 * rules, accepted or refused on its own. An idempotency key already `recorded` (by key id, see keyId), or
 * decided earlier in the batch, is answered as the first time (its entry, or its refusal) when the request is the
 * same (every parameter as sent), else IdempotencyKeyReused: the same answer however the two requests were grouped
 * into batches. Pure: no I/O, no clock (a hold's expiry comes with it, read by the database's clock).
 */
export function decideBatch(
  balance: number,
  ops: readonly Operation[],
  recorded: ReadonlyMap<string, RecordedAnswer> = new Map(),
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
  /** Keys decided earlier in this batch: the index of the operation that was accepted or refused under each. */
  let decidedKeys: Map<string, number> | undefined;
  const account: AccountView = {
    get balance() {
      return running;
    },
    get held() {
      return held;
    },
    hold: (holdId: number) => endedInBatch?.get(holdId) ?? holding.get(holdId),
    get read() {
      const read = holding.account;
      return read && { id: read.id, version: read.version + entries.length };
    },
  };
  const payeeBalance = (payee: number) => {
    const balance = payees.balanceOf(payee);
    return balance === undefined ? undefined : balance + (credited?.get(payee) ?? 0);
  };
  const decisions: Decision[] = [];
  ops.forEach((op, index) => decisions.push(decide(op, index)));
  function decide(op: Operation, index: number): Decision {
    const requestKey = op.idempotencyKey;
    const key = requestKey === null ? null : keyId(requestKey.space, requestKey.text);
    if (requestKey !== null) {
      // A legacy key (recorded before key spaces) is refused whoever repeats it: its request is unknown.
      const first = recorded.get(key!) ?? recorded.get(keyId('legacy', requestKey.text));
      if (first) {
        if (first.space === 'legacy' || first.request !== requestKey.request) return reused(requestKey);
        return isRecordedRefusal(first)
          ? { type: 'rejected', result: first.refusal, replay: true }
          : { type: 'recorded', entry: first };
      }
      const earlier = decidedKeys?.get(key!);
      if (earlier !== undefined) {
        if (ops[earlier]!.idempotencyKey!.request !== requestKey.request) return reused(requestKey);
        const decided = decisions[earlier]!;
        return decided.type === 'rejected'
          ? { type: 'rejected', result: decided.result, replay: true }
          : { type: 'repeat', of: earlier };
      }
    }
    const effect = decideStep(op, account, payeeBalance);
    if ('type' in effect) {
      // A decision's refusal is about the request itself (isRecordedUnderKey): it holds the key like an entry.
      if (key !== null) (decidedKeys ??= new Map()).set(key, index);
      return { type: 'rejected', result: effect };
    }
    running += effect.amount;
    held += effect.held;
    if (requestKey !== null && effect.keepKey) (decidedKeys ??= new Map()).set(key!, index);
    if (effect.hold && effect.kind !== LedgerEntryKind.HOLD) {
      const hold = account.hold(effect.hold.id)!;
      (endedInBatch ??= new Map()).set(effect.hold.id, endedAs(hold, effect.kind, effect.amount));
    }
    if (effect.transfer) {
      credited ??= new Map();
      credited.set(effect.transfer.payee, (credited.get(effect.transfer.payee) ?? 0) - effect.amount);
    }
    entries.push(entryOf(op, effect, running, held));
    return { type: 'accepted', amount: effect.amount, balanceAfter: running, entry: entries.length - 1 };
  }
  return { balance: running, held, decisions, entries };
}

function reused(key: IdempotencyKey): Decision {
  return { type: 'rejected', result: idempotencyKeyReused(key.text) };
}
