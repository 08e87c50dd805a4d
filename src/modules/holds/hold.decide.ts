import type { OperationResult } from '../balance/balance.answers.js';
import type { BalanceOperation, Payees } from '../balance/balance.decide.js';
import { InvalidAmount, UserNotFound, UserSide } from '../balance/balance.types.js';
import { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import type { UserState } from '../users/user.entity.js';
import { HoldStatus, type HoldState } from './hold.entity.js';
import { HoldAlreadyCaptured, HoldAlreadyVoided, HoldExpired, HoldNotExpired, HoldNotFound } from './hold.types.js';

// The hold operations' part of a batch's decision (balance.decide runs it). Pure: no I/O, no clock (a hold's
// expiry comes with it, read by the database's clock).

/**
 * A hold operation's hold. HOLD: the new hold's id (0 until the locked round that decides it takes one from
 * the holds' sequence), how long it lasts and whom a capture pays; CAPTURE (`value` = the amount to take, 0
 * for all of it), VOID, EXPIRY: the hold they end.
 */
export interface HoldRequest {
  id: number;
  expiresInSeconds?: number;
  payee?: number | null;
}

/** What a batch's decision needs of holds: the user's held credits and its holds as read under the row lock. */
export interface Holding {
  held: number;
  /** The hold as read in this transaction (with `expired` by the database's clock), if it is this user's. */
  get(holdId: number): HoldState | undefined;
}

export const NO_HOLDS: Holding = { held: 0, get: () => undefined };

/** What a decision against `state` needs of its holds (those read in this round, if it read any). */
export function holdingOf(state: UserState, holds?: ReadonlyMap<number, HoldState>): Holding {
  if (!holds) return { held: state.held, get: NO_HOLDS.get };
  return {
    held: state.held,
    get: (holdId) => {
      const hold = holds.get(holdId);
      return hold?.userId === state.id ? hold : undefined;
    },
  };
}

/** How each ending kind leaves its hold. */
export const HOLD_ENDINGS: ReadonlyMap<LedgerEntryKind, HoldStatus> = new Map([
  [LedgerEntryKind.CAPTURE, HoldStatus.CAPTURED],
  [LedgerEntryKind.VOID, HoldStatus.VOIDED],
  [LedgerEntryKind.EXPIRY, HoldStatus.EXPIRED],
]);

/** A hold operation's effect, decided against the hold as it stands in the batch. */
export type HoldEffect =
  | { type: 'rejected'; result: OperationResult }
  /**
   * `kind` is the entry it writes: `amount` leaves the balance, `held` changes the held credits, `transfer`
   * pays a payee; `keepKey`: recorded under the client's idempotency key.
   */
  | {
      type: 'change';
      kind: LedgerEntryKind;
      amount: number;
      held: number;
      keepKey: boolean;
      transfer: BalanceOperation['transfer'];
    };

/**
 * Making a hold (it reserves `value`: spending, checked by the caller against what is available) or ending
 * one. Each hold ends once: `ended` holds the holds this batch ended already. A capture or void that finds
 * the hold expired but not yet released releases it (an EXPIRY entry, without the client's key: the client
 * was refused) and is answered HoldExpired, so an expiry never waits for the sweeper to win its race.
 */
export function holdEffect(
  op: BalanceOperation & { hold: HoldRequest },
  holding: Holding,
  payees: Payees,
  ended?: ReadonlyMap<number, HoldState>,
): HoldEffect {
  const change = (kind: LedgerEntryKind, amount: number, held: number, keepKey = true): HoldEffect => ({
    type: 'change',
    kind,
    amount,
    held,
    keepKey,
    transfer: kind === LedgerEntryKind.CAPTURE ? op.transfer : undefined,
  });
  const id = op.hold.id;
  if (op.kind === LedgerEntryKind.HOLD) {
    const payee = op.hold.payee;
    if (payee != null && payees.balanceOf(payee) === undefined) {
      return { type: 'rejected', result: new UserNotFound(String(payee), UserSide.PAYEE) };
    }
    return change(LedgerEntryKind.HOLD, 0, op.value);
  }
  const hold = ended?.get(id) ?? holding.get(id);
  if (!hold) return { type: 'rejected', result: new HoldNotFound(String(id)) };
  if (hold.status !== HoldStatus.OPEN) return { type: 'rejected', result: endedAnswer(hold) };
  if (hold.expired) return change(LedgerEntryKind.EXPIRY, 0, -hold.amount, false);
  if (op.kind === LedgerEntryKind.EXPIRY) return { type: 'rejected', result: new HoldNotExpired(id) };
  if (op.kind === LedgerEntryKind.VOID) return change(LedgerEntryKind.VOID, 0, -hold.amount);
  const take = op.value === 0 ? hold.amount : op.value;
  if (take > hold.amount) {
    return {
      type: 'rejected',
      result: new InvalidAmount(take, `A capture may take at most the held amount (${hold.amount})`),
    };
  }
  return change(LedgerEntryKind.CAPTURE, -take, -hold.amount);
}

/** A hold after an ending entry of `kind` that took `amount` from the balance. */
export function endedAs(hold: HoldState, kind: LedgerEntryKind, amount: number): HoldState {
  const status = HOLD_ENDINGS.get(kind)!;
  return { ...hold, status, captured: status === HoldStatus.CAPTURED ? -amount : null };
}

/** A hold that ended, as a refusal of a further ending. */
function endedAnswer(hold: HoldState): OperationResult {
  switch (hold.status) {
    case HoldStatus.CAPTURED:
      return new HoldAlreadyCaptured(hold.id, hold.captured!);
    case HoldStatus.VOIDED:
      return new HoldAlreadyVoided(hold.id);
    default:
      return new HoldExpired(hold.id, hold.expiresAt);
  }
}
