import type { IdempotencyKey } from './idempotency.js';
import type { LimitsChange } from './rules.js';
import type { AccountStatus } from './user.js';

// Every money movement as a value: one member per kind, each decided by its own pure function
// (decisions.ts). An operation belongs to one user's account (its lane): the payer, the holder.

/** What any operation may carry besides its own parameters. */
interface Keyed {
  /** Applies at most once per account and key space; a repeat of the same request gets the first answer. */
  idempotencyKey: IdempotencyKey | null;
  /** Compare-and-set: applies only if the account's version is this one when the operation is decided. */
  expectedVersion?: number;
}

/** updateBalance: adds `amount` (negative to take away). */
export interface Adjust extends Keyed {
  kind: 'adjust';
  amount: number;
}
/** deposit: adds `amount` (> 0). */
export interface Deposit extends Keyed {
  kind: 'deposit';
  amount: number;
}
/** withdraw: takes `amount` (> 0) away. */
export interface Withdraw extends Keyed {
  kind: 'withdraw';
  amount: number;
}
/** setBalance: moves the balance to `balance`, whatever it is when its turn comes. */
export interface SetBalance extends Keyed {
  kind: 'set';
  balance: number;
  reason: string | null;
}
/** resetBalance: moves the balance to 0. */
export interface Reset extends Keyed {
  kind: 'reset';
}
/** The daily grant: adds `amount` under the day's system key. */
export interface Grant extends Keyed {
  kind: 'grant';
  amount: number;
}
/** transfer: moves `amount` (> 0) to `payee`; both entries share `transferId`. */
export interface Transfer extends Keyed {
  kind: 'transfer';
  payee: number;
  amount: number;
  reason: string | null;
  transferId: string;
}
/** hold: reserves `amount` for `expiresIn` seconds; `holdId` is 0 until the round that decides it takes one. */
export interface PlaceHold extends Keyed {
  kind: 'placeHold';
  amount: number;
  expiresIn: number;
  reason: string | null;
  /** Whom a capture pays; null: nobody. */
  payee: number | null;
  holdId: number;
}
/** captureHold: takes `amount` of the hold (null: all of it), paid to the hold's payee (if it has one). */
export interface Capture extends Keyed {
  kind: 'capture';
  holdId: number;
  amount: number | null;
  payee: number | null;
  transferId: string;
}
/** voidHold: releases the hold. */
export interface Void extends Keyed {
  kind: 'void';
  holdId: number;
}
/** The sweeper's release of an expired hold (never keyed). */
export interface Expire extends Keyed {
  kind: 'expire';
  holdId: number;
}

/** setLimits: changes the account's limits (core/rules.ts); `actor` is who asked (recorded with the change). */
export interface SetLimits extends Keyed {
  kind: 'setLimits';
  limits: LimitsChange;
  actor: string;
}
/** setAccountStatus: freezes, unfreezes or closes the account. */
export interface SetStatus extends Keyed {
  kind: 'setStatus';
  status: AccountStatus;
  reason: string | null;
  actor: string;
}

export type Operation =
  | Adjust
  | Deposit
  | Withdraw
  | SetBalance
  | Reset
  | Grant
  | Transfer
  | PlaceHold
  | Capture
  | Void
  | Expire
  | SetLimits
  | SetStatus;
export type OperationKind = Operation['kind'];

/** The user an operation pays besides its own account (a transfer's payee, a capture's), or null. */
export function payeeOf(op: Operation): number | null {
  if (op.kind === 'transfer') return op.payee;
  if (op.kind === 'capture' || op.kind === 'placeHold') return op.payee;
  return null;
}

/** The hold an operation ends, or undefined. */
export function holdEndedBy(op: Operation): number | undefined {
  return op.kind === 'capture' || op.kind === 'void' || op.kind === 'expire' ? op.holdId : undefined;
}

/**
 * Whether an operation is decided only under its rows' locks: it touches another user's row (a payee) or a hold,
 * read with its user's row locked; it carries an idempotency key, whose record (entry or refusal) is read and
 * written under that lock, so that two attempts of one request are decided one after the other; or it expects a
 * version, compared with the row as locked; or it changes the account's rules (read and replaced under that lock).
 */
export function needsLock(op: Operation): boolean {
  return (
    op.idempotencyKey !== null ||
    op.expectedVersion !== undefined ||
    op.kind === 'transfer' ||
    op.kind === 'placeHold' ||
    op.kind === 'setLimits' ||
    op.kind === 'setStatus' ||
    holdEndedBy(op) !== undefined
  );
}

/** Whether an operation sets the balance to a value (rather than adding to it). */
export function isAbsolute(op: Operation): boolean {
  return op.kind === 'set' || op.kind === 'reset';
}
