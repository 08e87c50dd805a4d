import { HOLD_ENDINGS, HoldStatus, type HoldState } from './hold.js';
import { LedgerEntryKind } from './ledger.js';
import type { Operation, OperationKind } from './operations.js';
import { changedLimits, limitsProblem } from './rules.js';
import type { AccountRules } from './user.js';
import {
  accountNotEmpty,
  holdAlreadyCaptured,
  holdAlreadyVoided,
  holdExpired,
  holdNotExpired,
  holdNotFound,
  invalidAmount,
  invalidInput,
  userNotFound,
  type Refusal,
} from './refusals.js';

// One pure decision per kind of operation: what it would change, decided against its account as it stands in the
// batch. The account's own rules (never below what is available, never above the largest balance, a payee that
// exists) are checked for every kind in one place, by decideBatch.

/** An accepted operation's change: the ledger entry it writes. */
export interface Effect {
  kind: LedgerEntryKind;
  /** The change of the balance (negative when credits leave it). */
  amount: number;
  /** The change of the credits on hold (a hold's amount; negative when it ends). */
  held: number;
  reason: string | null;
  /** Whether the entry is recorded under the operation's idempotency key (not a release the client did not ask). */
  keepKey: boolean;
  /** Whom it pays (a transfer, a paid capture), and the id both entries share. */
  transfer?: { payee: number; transferId: string };
  /** The hold it makes (its id, seconds and payee) or ends (its id). */
  hold?: { id: number; expiresIn?: number; payee?: number | null };
  /** It sets the balance (set, reset): going below the credits on hold is an invalid amount, not a lack of funds. */
  absolute?: boolean;
  /** It changes the account's rules (setLimits, setAccountStatus): the rules after it, and who asked. */
  rules?: { after: AccountRules; actor: string };
}

/** What a decision sees of its account, as the batch left it so far. */
export interface DecisionContext {
  /** The account's id. */
  id: number;
  balance: number;
  held: number;
  rules: AccountRules;
  /** The hold as read under the row lock, or as this batch ended it; undefined when it is not this user's. */
  hold(holdId: number): HoldState | undefined;
  /** Whether a user exists (read under the row locks, for payees). */
  exists(userId: number): boolean;
}

type Decide<K extends OperationKind> = (op: Extract<Operation, { kind: K }>, ctx: DecisionContext) => Effect | Refusal;

const change = (kind: LedgerEntryKind, amount: number, reason: string | null = null): Effect => ({
  kind,
  amount,
  held: 0,
  reason,
  keepKey: true,
});

/** A hold that ended, as a refusal of a further ending. */
function endedAnswer(hold: HoldState): Refusal {
  switch (hold.status) {
    case HoldStatus.CAPTURED:
      return holdAlreadyCaptured(hold.id, hold.captured!);
    case HoldStatus.VOIDED:
      return holdAlreadyVoided(hold.id);
    default:
      return holdExpired(hold.id, hold.expiresAt);
  }
}

/**
 * The hold an ending names, if it may still end: open, and not expired. One found expired but not released yet
 * is released now (an EXPIRY entry, without the client's key: the client was refused), so an expiry never waits
 * for the sweeper to win its race.
 */
function openHold(holdId: number, ctx: DecisionContext): HoldState | Effect | Refusal {
  const hold = ctx.hold(holdId);
  if (!hold) return holdNotFound(String(holdId));
  if (hold.status !== HoldStatus.OPEN) return endedAnswer(hold);
  if (hold.expired) {
    return {
      kind: LedgerEntryKind.EXPIRY,
      amount: 0,
      held: -hold.amount,
      reason: null,
      keepKey: false,
      hold: { id: holdId },
    };
  }
  return hold;
}

const isHold = (value: HoldState | Effect | Refusal): value is HoldState => 'status' in value;

export const DECISIONS: { [K in OperationKind]: Decide<K> } = {
  adjust: (op) => change(LedgerEntryKind.UPDATE, op.amount),
  deposit: (op) => change(LedgerEntryKind.DEPOSIT, op.amount),
  withdraw: (op) => change(LedgerEntryKind.WITHDRAWAL, -op.amount),
  grant: (op) => change(LedgerEntryKind.GRANT, op.amount),
  set: (op, ctx) => ({ ...change(LedgerEntryKind.SET, op.balance - ctx.balance, op.reason), absolute: true }),
  reset: (_op, ctx) => ({ ...change(LedgerEntryKind.RESET, -ctx.balance), absolute: true }),
  transfer: (op) => ({
    ...change(LedgerEntryKind.TRANSFER_OUT, -op.amount, op.reason),
    transfer: { payee: op.payee, transferId: op.transferId },
  }),
  placeHold: (op, ctx) => {
    if (op.payee !== null && !ctx.exists(op.payee)) return userNotFound(String(op.payee), 'PAYEE');
    return {
      ...change(LedgerEntryKind.HOLD, 0, op.reason),
      held: op.amount,
      hold: { id: op.holdId, expiresIn: op.expiresIn, payee: op.payee },
    };
  },
  capture: (op, ctx) => {
    const hold = openHold(op.holdId, ctx);
    if (!isHold(hold)) return hold;
    const take = op.amount ?? hold.amount;
    if (take > hold.amount) return invalidAmount(take, `A capture may take at most the held amount (${hold.amount})`);
    return {
      ...change(LedgerEntryKind.CAPTURE, -take),
      held: -hold.amount,
      hold: { id: op.holdId },
      transfer: op.payee === null ? undefined : { payee: op.payee, transferId: op.transferId },
    };
  },
  void: (op, ctx) => {
    const hold = openHold(op.holdId, ctx);
    if (!isHold(hold)) return hold;
    return { ...change(LedgerEntryKind.VOID, 0), held: -hold.amount, hold: { id: op.holdId } };
  },
  expire: (op, ctx) => {
    const hold = openHold(op.holdId, ctx);
    return isHold(hold) ? holdNotExpired(op.holdId) : hold;
  },
  setLimits: (op, ctx) => {
    const after = changedLimits(ctx.rules, op.limits);
    const problem = limitsProblem(after);
    if (problem) return invalidInput(problem.field, problem.message);
    return { ...change(LedgerEntryKind.LIMITS, 0), rules: { after, actor: op.actor } };
  },
  setStatus: (op, ctx) => {
    if (op.status === 'CLOSED' && (ctx.balance !== 0 || ctx.held !== 0)) {
      return accountNotEmpty(ctx.id, ctx.balance, ctx.held);
    }
    return {
      ...change(LedgerEntryKind.STATUS, 0, op.reason),
      rules: { after: { ...ctx.rules, status: op.status }, actor: op.actor },
    };
  },
};

/** Decides `op` against `ctx` with the decision of its kind. */
export function decideOperation(op: Operation, ctx: DecisionContext): Effect | Refusal {
  return (DECISIONS[op.kind] as Decide<OperationKind>)(op as never, ctx);
}

/** A hold after an ending entry of `kind` that took `amount` from the balance. */
export function endedAs(hold: HoldState, kind: LedgerEntryKind, amount: number): HoldState {
  const status = HOLD_ENDINGS.get(kind)!;
  return { ...hold, status, captured: status === HoldStatus.CAPTURED ? -amount : null };
}
