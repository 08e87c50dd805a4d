/** ACTIVE: every operation; FROZEN: credits and hold endings only; CLOSED: nothing (final). */
export type AccountStatus = 'ACTIVE' | 'FROZEN' | 'CLOSED';

export interface AccountLimits {
  /** The lowest the available balance (balance - held) may be taken by spending; negative: a credit line. */
  minBalance: number;
  /** The highest a credit may take the balance; null: only the largest balance (MAX_BALANCE). */
  maxBalance: number | null;
  /** The most that debits may take in one UTC day; null: no limit. */
  dailyDebitLimit: number | null;
}

export interface AccountRules extends AccountLimits {
  status: AccountStatus;
}

/** A user (an account holding a balance) as the balance path sees it. */
export interface UserState {
  id: number;
  username: string;
  email: string | null;
  name: string | null;
  balance: number;
  /** Credits reserved by open holds: `balance - held - minBalance` is available to spend. */
  held: number;
  version: number;
  /** Its limits (core/rules.ts): the lowest available balance, the highest balance, the most debited per UTC day. */
  minBalance: number;
  maxBalance: number | null;
  dailyDebitLimit: number | null;
  status: AccountStatus;
  /**
   * What debits took today (the database's UTC date when the row was read or written); for an account with a daily
   * debit limit, `countedOn` is that date (null without one: nothing is decided on it).
   */
  debitedToday: number;
  countedOn: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Largest balance that stays exact in JavaScript numbers and GraphQL `SafeInt`. */
export const MAX_BALANCE = Number.MAX_SAFE_INTEGER;
