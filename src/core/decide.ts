import { refusedByAccount, type AccountView, type PayeeAccount } from './account-rules.js';
import { decideOperation, endedAs, type Effect } from './decisions.js';
import type { HoldState } from './hold.js';
import { keyId, type IdempotencyKey } from './idempotency.js';
import { isRecordedRefusal, type RecordedAnswer, type RecordedEntry } from './key-records.js';
import { LedgerEntryKind } from './ledger.js';
import type { Operation } from './operations.js';
import { accountClosed, idempotencyKeyReused, versionMismatch, type Refusal } from './refusals.js';
import { debitOf, DEFAULT_RULES } from './rules.js';
import type { AccountRules } from './user.js';

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
  /** For a LIMITS or STATUS entry: the rules after it, and who asked. */
  rules?: Effect['rules'];
}

/** What a batch's decision needs to know of the payees of its operations (read under a row lock). */
export interface Payees {
  /** The payee, undefined when no such user exists. */
  accountOf(payee: number): PayeeAccount | undefined;
}

/**
 * What a batch's decision needs of its account besides its balance: as read in this transaction (or remembered),
 * with the holds read under the row lock.
 */
export interface AccountRead {
  id: number;
  held: number;
  rules: AccountRules;
  /** What debits took today (the database's UTC day), against the daily debit limit. */
  debitedToday: number;
  /**
   * The version as read in this transaction; absent where nothing was read (a relative plan), which no operation
   * expecting a version ever gets (needsLock).
   */
  version?: number;
  /** The hold as read in this transaction (with `expired` by the database's clock), if it is this user's. */
  hold(holdId: number): HoldState | undefined;
}

const NO_PAYEES: Payees = { accountOf: () => undefined };
/** An account of default rules, nothing held or debited, no holds: what a decision sees when nothing was read. */
export const UNREAD_ACCOUNT: AccountRead = {
  id: 0,
  held: 0,
  rules: DEFAULT_RULES,
  debitedToday: 0,
  hold: () => undefined,
};

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
  /** The rules after the batch, when one of its operations changed them. */
  rules?: AccountRules;
  decisions: Decision[];
  /** The accepted operations, in order: one ledger row each. */
  entries: EntryToWrite[];
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
    rules: effect.rules,
  };
}

/**
 * One operation decided against its account: the version it expects, then its kind's decision, then the
 * account's status and rules. `payeeAccount` is a payee as the operations before left it (undefined: no such user).
 */
export function decideStep(
  op: Operation,
  account: AccountView,
  payeeAccount: (payee: number) => PayeeAccount | undefined,
): Effect | Refusal {
  if (op.expectedVersion !== undefined) {
    // Compared with the row as locked (needsLock): a version from memory could be another process's past.
    if (account.version === undefined) {
      throw new Error('an operation that expects a version was decided without reading its account');
    }
    if (account.version !== op.expectedVersion) return versionMismatch(account.id, op.expectedVersion, account.version);
  }
  if (account.rules.status === 'CLOSED') return accountClosed(account.id);
  const context = {
    id: account.id,
    balance: account.balance,
    held: account.held,
    rules: account.rules,
    hold: (holdId: number) => account.hold(holdId),
    exists: (userId: number) => payeeAccount(userId) !== undefined,
  };
  const effect = decideOperation(op, context);
  if ('type' in effect) return effect;
  return refusedByAccount(effect, account, payeeAccount) ?? effect;
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
  read: AccountRead = UNREAD_ACCOUNT,
): BatchDecision {
  let rulesChanged = false;
  // What this batch's transfers already credited to each payee (most batches have none: made when needed).
  let credited: Map<number, number> | undefined;
  /** Holds this batch ended, as they are after it. */
  let endedInBatch: Map<number, HoldState> | undefined;
  const entries: EntryToWrite[] = [];
  /** Keys decided earlier in this batch: the index of the operation that was accepted or refused under each. */
  let decidedKeys: Map<string, number> | undefined;
  // The account as the operations so far left it: one plain object, updated in place after each accepted one
  // (getters or a copy per operation cost more than the decisions on the hot path).
  const account: AccountView = {
    id: read.id,
    balance,
    held: read.held,
    rules: read.rules,
    debitedToday: read.debitedToday,
    version: read.version,
    hold: (holdId: number) => endedInBatch?.get(holdId) ?? read.hold(holdId),
  };
  const payeeAccount = (payee: number) => {
    const found = payees.accountOf(payee);
    const paid = credited?.get(payee);
    return found && paid !== undefined ? { ...found, balance: found.balance + paid } : found;
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
    const effect = decideStep(op, account, payeeAccount);
    if ('type' in effect) {
      // A decision's refusal is about the request itself (isRecordedUnderKey): it holds the key like an entry.
      if (key !== null) (decidedKeys ??= new Map()).set(key, index);
      return { type: 'rejected', result: effect };
    }
    account.balance += effect.amount;
    account.held += effect.held;
    account.debitedToday += debitOf(effect.kind, effect.amount);
    if (account.version !== undefined) account.version++;
    if (effect.rules) {
      account.rules = effect.rules.after;
      rulesChanged = true;
    }
    if (requestKey !== null && effect.keepKey) (decidedKeys ??= new Map()).set(key!, index);
    if (effect.hold && effect.kind !== LedgerEntryKind.HOLD) {
      const hold = account.hold(effect.hold.id)!;
      (endedInBatch ??= new Map()).set(effect.hold.id, endedAs(hold, effect.kind, effect.amount));
    }
    if (effect.transfer) {
      credited ??= new Map();
      credited.set(effect.transfer.payee, (credited.get(effect.transfer.payee) ?? 0) - effect.amount);
    }
    entries.push(entryOf(op, effect, account.balance, account.held));
    return { type: 'accepted', amount: effect.amount, balanceAfter: account.balance, entry: entries.length - 1 };
  }
  return {
    balance: account.balance,
    held: account.held,
    rules: rulesChanged ? account.rules : undefined,
    decisions,
    entries,
  };
}

function reused(key: IdempotencyKey): Decision {
  return { type: 'rejected', result: idempotencyKeyReused(key.text) };
}
