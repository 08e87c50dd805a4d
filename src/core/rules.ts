import { LedgerEntryKind } from './ledger.js';
import { MAX_BALANCE, type AccountLimits, type AccountRules, type UserState } from './user.js';

// An account's rules: its limits and its status, as setLimits and setAccountStatus leave them. Each change is an
// operation in the account's lane (written as a LIMITS or STATUS ledger entry, which moves the version), so a
// change is ordered with the account's money movements and every process deciding from memory sees it through
// the version guard.

/** An account's rules when nothing was ever set: never below zero, no cap, no daily limit, active. */
export const DEFAULT_RULES: AccountRules = { minBalance: 0, maxBalance: null, dailyDebitLimit: null, status: 'ACTIVE' };

/** A change of limits as asked: an omitted limit (undefined) stays as it is; null removes it (minBalance: 0). */
export interface LimitsChange {
  minBalance?: number | null;
  maxBalance?: number | null;
  dailyDebitLimit?: number | null;
}

/** The limits after `change`. */
export function changedLimits(rules: AccountRules, change: LimitsChange): AccountRules {
  return {
    ...rules,
    minBalance: change.minBalance === undefined ? rules.minBalance : (change.minBalance ?? 0),
    maxBalance: change.maxBalance === undefined ? rules.maxBalance : change.maxBalance,
    dailyDebitLimit: change.dailyDebitLimit === undefined ? rules.dailyDebitLimit : change.dailyDebitLimit,
  };
}

/** Why a set of limits cannot be an account's (the field at fault and the reason), or undefined when it can. */
export function limitsProblem(limits: AccountLimits): { field: string; message: string } | undefined {
  const { minBalance, maxBalance, dailyDebitLimit } = limits;
  if (!Number.isSafeInteger(minBalance)) return { field: 'minBalance', message: 'minBalance must be a safe integer' };
  if (maxBalance !== null && (!Number.isSafeInteger(maxBalance) || maxBalance < 0)) {
    return { field: 'maxBalance', message: `maxBalance must be between 0 and ${MAX_BALANCE}` };
  }
  if (maxBalance !== null && minBalance > maxBalance) {
    return { field: 'minBalance', message: `minBalance (${minBalance}) may not exceed maxBalance (${maxBalance})` };
  }
  if (dailyDebitLimit !== null && (!Number.isSafeInteger(dailyDebitLimit) || dailyDebitLimit < 0)) {
    return { field: 'dailyDebitLimit', message: `dailyDebitLimit must be between 0 and ${MAX_BALANCE}` };
  }
  return undefined;
}

/** Entries whose (negative) amount counts against the daily debit limit. */
const DEBIT_KINDS: ReadonlySet<LedgerEntryKind> = new Set([
  LedgerEntryKind.UPDATE,
  LedgerEntryKind.WITHDRAWAL,
  LedgerEntryKind.TRANSFER_OUT,
  LedgerEntryKind.CAPTURE,
]);

/**
 * What an entry takes from the daily debit limit: withdrawals (updateBalance with a negative amount too),
 * transfers out and captures. Not staff's corrections (setBalance, resetBalance), nor holds until captured.
 */
export function debitOf(kind: LedgerEntryKind, amount: number): number {
  return amount < 0 && DEBIT_KINDS.has(kind) ? -amount : 0;
}

/** The highest balance a credit may reach on an account with `rules`. */
export function highestBalance(rules: AccountLimits): number {
  return rules.maxBalance ?? MAX_BALANCE;
}

/** The rules of an account as read. */
export function rulesOf(user: UserState): AccountRules {
  return {
    minBalance: user.minBalance,
    maxBalance: user.maxBalance,
    dailyDebitLimit: user.dailyDebitLimit,
    status: user.status,
  };
}

/**
 * What an account may spend: its balance, less what is held, less its minimum (a credit line adds to it). Shown
 * within the largest balance either way: a credit line on a full account, or a minimum raised far past a debt,
 * would otherwise give a number no client can hold exactly, and no single operation can move more anyway.
 */
export function availableOf(balance: number, held: number, minBalance: number): number {
  return Math.max(-MAX_BALANCE, Math.min(MAX_BALANCE, balance - held - minBalance));
}
