import { decideBatch, UNREAD_ACCOUNT, type BatchDecision } from '../core/decide.js';
import type { RecordedAnswer } from '../core/key-records.js';
import { isAbsolute, needsLock, type Operation } from '../core/operations.js';
import type { Outcome } from '../core/outcomes.js';
import { debitOf, rulesOf } from '../core/rules.js';
import { MAX_BALANCE, type UserState } from '../core/user.js';
import type { RoundBatch } from './round-queue.js';

// How a round's batches are planned for writing: decided against a known state (guarded), or relative (no
// state needed). Pure: no I/O.

/**
 * A batch ready to write: decided against a known state, or (`state` undefined) relative: a user this process
 * knows nothing of, written without a read if every change fits (see `relativePlan`).
 */
export interface Plan {
  batch: RoundBatch<Operation>;
  state: UserState | undefined;
  /** For a relative plan: decided as if from a balance of 0 (balances after are changes from the start). */
  decided: BatchDecision;
  /** Decided against the remembered state rather than a read made in this transaction. */
  fromMemory: boolean;
  recorded: ReadonlyMap<string, RecordedAnswer> | undefined;
}

/** Whether a refusal depends on the balance it was decided against (not, e.g., on a reused key). */
export function dependsOnBalance(result: Outcome): boolean {
  return STATE_REFUSALS.has(result.type);
}

/** Refusals that depend on the account's state (its balance, limits, debits today, status). */
const STATE_REFUSALS: ReadonlySet<string> = new Set([
  'InsufficientFunds',
  'InvalidAmount',
  'LimitExceeded',
  'AccountFrozen',
  'AccountClosed',
]);

/** A balance far from both limits, to see which decisions of a batch do not depend on the balance. */
const MID_BALANCE = Math.floor(MAX_BALANCE / 2);

/**
 * A batch planned without the user's state (so it needs no read, and cannot be fooled by a stale memory):
 * possible when no decision depends on the balance except "it fits", i.e. when from a balance far from both
 * limits (and nothing held) every change is accepted (or
 * refused for a reason that is not the balance, e.g. a reused key). The write then applies only if the row's
 * balance keeps every change within range, which is exactly when a decision against the row accepts them all;
 * otherwise the batch goes again, with a read. Undefined when a read is needed first.
 */
export function relativePlan(
  batch: RoundBatch<Operation>,
  recorded: ReadonlyMap<string, RecordedAnswer> | undefined,
  /** The batch already decided against a known balance (the process's memory), to shift instead of deciding again. */
  known?: { balance: number; held: number; decided: BatchDecision },
): Plan | undefined {
  if (batch.ops.some((op) => isAbsolute(op) || needsLock(op))) return undefined;
  const start = known?.balance ?? MID_BALANCE;
  const startHeld = known?.held ?? 0;
  const decided =
    known?.decided ?? decideBatch(MID_BALANCE, batch.ops, recorded, undefined, { ...UNREAD_ACCOUNT, id: batch.key });
  const balanceDependent = decided.decisions.some((d) => d.type === 'rejected' && dependsOnBalance(d.result));
  if (balanceDependent) return undefined;
  const fromZero = {
    ...decided,
    balance: decided.balance - start,
    held: decided.held - startHeld,
    entries: decided.entries.map((e) => ({
      ...e,
      balanceAfter: e.balanceAfter - start,
      heldAfter: e.heldAfter - startHeld,
    })),
  };
  return { batch, state: undefined, decided: fromZero, fromMemory: false, recorded };
}

/**
 * A relative batch once written (it changes no held credits): the user before it (the row after it, less its
 * changes) and the decision
 * against that balance, which accepts exactly what the plan wrote (the write applied only because it does).
 */
export function settled(plan: Plan, after: UserState): { before: UserState; decided: BatchDecision } {
  const count = plan.decided.entries.length;
  const before = { ...after, balance: after.balance - plan.decided.balance, version: after.version - count };
  const debits = plan.decided.entries.reduce((sum, e) => sum + debitOf(e.kind, e.amount), 0);
  const decided = decideBatch(before.balance, plan.batch.ops, plan.recorded, undefined, {
    ...UNREAD_ACCOUNT,
    id: after.id,
    held: before.held,
    rules: rulesOf(after),
    debitedToday: after.debitedToday - debits,
  });
  const same =
    decided.entries.length === count && decided.entries.every((e, i) => e.amount === plan.decided.entries[i]!.amount);
  if (!same) throw new Error(`user ${after.id}: a relative batch was written that its decision does not accept`);
  return { before, decided };
}
