import type { Effect } from './decisions.js';
import type { HoldState } from './hold.js';
import { LedgerEntryKind } from './ledger.js';
import {
  accountClosed,
  accountFrozen,
  insufficientFunds,
  invalidAmount,
  limitExceeded,
  userNotFound,
  type Refusal,
} from './refusals.js';
import { availableOf, debitOf, highestBalance } from './rules.js';
import { MAX_BALANCE, type AccountRules } from './user.js';

// The account's status and limits applied to an accepted kind's effect: the same checks for every kind of
// operation, in lanes and in batches of items (decide.ts and sequence.ts decide with them).

/** A payee as a decision sees it: its balance and rules as read under its row lock. */
export interface PayeeAccount {
  balance: number;
  rules: AccountRules;
}

/** An account as a decision sees it: where the operations before this one left it. */
export interface AccountView {
  id: number;
  balance: number;
  held: number;
  rules: AccountRules;
  debitedToday: number;
  /** The account's version as the operations before left it (one version per entry); absent: not read. */
  version?: number;
  /** The hold as read under the row lock, or as the operations before ended it; undefined when not this user's. */
  hold(holdId: number): HoldState | undefined;
}

/** Whether the status lets `effect` through: a frozen account takes no new debit or hold. */
function refusedByStatus(effect: Effect, account: AccountView): Refusal | undefined {
  if (account.rules.status !== 'FROZEN') return undefined;
  const debit = effect.amount < 0 && !effect.absolute && effect.kind !== LedgerEntryKind.CAPTURE;
  return debit || effect.kind === LedgerEntryKind.HOLD ? accountFrozen(account.id) : undefined;
}

/**
 * The account's rules, the same for every kind of operation: spending (less available, more held) never takes
 * the available balance (balance - held) below the minimum (a credit line when negative), a credit never takes
 * the balance past the maximum, debits stay within the day's limit, and a payee exists, is open and can take the
 * credit. The payee comes last: whether an id names a user is told only to a payer whose operation would
 * otherwise go through, so finding out costs the payment (docs/design.md, "Access").
 */
function refusedByRules(
  effect: Effect,
  account: AccountView,
  payeeAccount: (payee: number) => PayeeAccount | undefined,
): Refusal | undefined {
  const { balance, held, rules } = account;
  const next = balance + effect.amount;
  const heldNext = held + effect.held;
  // Only spending (less available after) is refused for want of funds: a capture or a release never leaves less
  // available, so neither is refused even when the minimum was raised past what the account holds.
  if (next - heldNext < rules.minBalance && next - heldNext < balance - held) {
    if (effect.absolute && next >= rules.minBalance) {
      return invalidAmount(next, `The balance may not go below the credits on hold (${held})`);
    }
    return insufficientFunds(balance, -effect.amount || effect.held, availableOf(balance, held, rules.minBalance));
  }
  if (effect.amount > 0 && next > highestBalance(rules)) {
    if (rules.maxBalance === null) return invalidAmount(effect.amount, `The balance may not exceed ${MAX_BALANCE}`);
    return limitExceeded(account.id, 'MAX_BALANCE', rules.maxBalance, balance, effect.amount);
  }
  const debit = debitOf(effect.kind, effect.amount);
  if (debit > 0 && rules.dailyDebitLimit !== null && account.debitedToday + debit > rules.dailyDebitLimit) {
    return limitExceeded(account.id, 'DAILY_DEBIT', rules.dailyDebitLimit, account.debitedToday, debit);
  }
  const transfer = effect.transfer;
  if (transfer) {
    const payee = payeeAccount(transfer.payee);
    if (payee === undefined) return userNotFound(String(transfer.payee), 'PAYEE');
    if (payee.rules.status === 'CLOSED') return accountClosed(transfer.payee);
    const payeeNext = payee.balance - effect.amount;
    if (payeeNext > highestBalance(payee.rules)) {
      if (payee.rules.maxBalance === null) {
        return invalidAmount(-effect.amount, `The payee's balance may not exceed ${MAX_BALANCE}`);
      }
      return limitExceeded(transfer.payee, 'MAX_BALANCE', payee.rules.maxBalance, payee.balance, -effect.amount);
    }
  }
  return undefined;
}

/** Why the account (or the payee) refuses `effect`: its status first, then its limits; undefined when it may apply. */
export function refusedByAccount(
  effect: Effect,
  account: AccountView,
  payeeAccount: (payee: number) => PayeeAccount | undefined,
): Refusal | undefined {
  return refusedByStatus(effect, account) ?? refusedByRules(effect, account, payeeAccount);
}
