import type { HoldState } from './hold.js';
import type { Refusal } from './refusals.js';
import type { UserState } from './user.js';

// Committed changes as plain values. `type` names the change (and the GraphQL type that shows it); `replayed`
// (not shown) says whether it repeats an answer given before under the same idempotency key.

export interface BalanceUpdated {
  readonly type: 'BalanceUpdated';
  /** The user right after this change (for a replay: as it is now). */
  user: UserState;
  /** The change applied (negative for a withdrawal) and the balance right after it. */
  amount: number;
  balance: number;
  entryId: string;
  replayed: boolean;
}

export interface TransferCompleted {
  readonly type: 'TransferCompleted';
  transferId: string;
  /** The credits moved (positive). */
  amount: number;
  /** The payer and the payee right after the transfer (for a replay: as they are now). */
  from: UserState;
  to: UserState;
  fromEntryId: string;
  toEntryId: string;
  replayed: boolean;
}

interface HoldChanged<T extends string> {
  readonly type: T;
  /** The hold and its user right after this change (for a replay: as they are now). */
  hold: HoldState;
  user: UserState;
  entryId: string;
  replayed: boolean;
}

export type HoldPlaced = HoldChanged<'HoldPlaced'>;
export type HoldVoided = HoldChanged<'HoldVoided'>;
export interface HoldCaptured extends HoldChanged<'HoldCaptured'> {
  /** The credits taken (positive); the payee right after its credit and that entry (null without a payee). */
  amount: number;
  payee: UserState | null;
  payeeEntryId: string | null;
}

/** createUser: the new user (with its INITIAL entry: the opening balance). */
export interface UserCreated {
  readonly type: 'UserCreated';
  user: UserState;
}

/** setLimits, setAccountStatus: the account right after its rules changed, and the ledger entry recording it. */
interface RulesChanged<T extends string> {
  readonly type: T;
  user: UserState;
  entryId: string;
  replayed: boolean;
}
export type LimitsSet = RulesChanged<'LimitsSet'>;
export type AccountStatusSet = RulesChanged<'AccountStatusSet'>;

export type Change =
  BalanceUpdated | TransferCompleted | HoldPlaced | HoldCaptured | HoldVoided | LimitsSet | AccountStatusSet;

/** What an operation comes to: a committed change, or a refusal (nothing changed). */
export type Outcome = Change | Refusal;

/** A batch item left untouched: an atomic batch was refused at another item. */
export interface NotApplied {
  readonly type: 'NotApplied';
  message: string;
}

export const NOT_APPLIED: NotApplied = {
  type: 'NotApplied',
  message: 'Not applied: another operation of the atomic batch was refused',
};

/** Every item of the batch was decided; the accepted ones are committed (all of them, in an atomic batch). */
export interface BatchApplied {
  readonly type: 'BatchApplied';
  results: (Outcome | NotApplied)[];
}

/** An atomic batch refused at item `index`: nothing was written. */
export interface BatchRefused {
  readonly type: 'BatchRefused';
  index: number;
  results: (Outcome | NotApplied)[];
}
