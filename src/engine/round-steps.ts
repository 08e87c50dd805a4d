import { answers } from '../core/answers.js';
import type { PayeeAccount } from '../core/account-rules.js';
import { decideBatch, type AccountRead, type Payees } from '../core/decide.js';
import { keysOf, refusalsToRecord, type RecordedAnswer, type RefusalToRecord } from '../core/key-records.js';
import type { HoldState } from '../core/hold.js';
import type { Operation } from '../core/operations.js';
import type { Outcome } from '../core/outcomes.js';
import { userNotFound, type UserNotFound } from '../core/refusals.js';
import { rulesOf } from '../core/rules.js';
import type { UserState } from '../core/user.js';
import type { Logger } from '../logger.js';
import { commitPlans, type LockedReads } from './commit.js';
import type { Plan } from './plan.js';
import type { BatchOutcome, OperationFailed, RoundBatch } from './round-queue.js';
import type { StateMemory } from './state-memory.js';
import type { BalanceStore } from './store.js';

// The steps both kinds of round (optimistic-round.ts, locked-round.ts) share: deciding a batch against its user
// as read, finding its keys' records, and committing the decided batches with the refusals to record.

export interface BalanceStats {
  /** Transactions of the balance path (one per round). */
  rounds: number;
  /** Users' batches (a round carries many), each counted once however many rounds it takes. */
  batches: number;
  operations: number;
  /** Batches that lost an optimistic race (balance or version moved, key recorded elsewhere, deadlock) and went again. */
  versionConflicts: number;
  /** Transactions PostgreSQL aborted with a deadlock or serialization failure (then retried; part of versionConflicts). */
  deadlocks: number;
  /** Operations answered with ConcurrentUpdate. */
  concurrentUpdates: number;
  /** Rounds that failed with an error (database unreachable, ...). */
  failedBatches: number;
}

/** What a round writes with: the store, this process's memory of users, its counters, its logger. */
export interface RoundContext<Tx> {
  store: BalanceStore<Tx>;
  memory: StateMemory;
  counters: BalanceStats;
  logger: Logger;
}

export type Answer = BatchOutcome<Outcome>;
export type Results = (Outcome | OperationFailed)[];
/** A refusal to record under its key, on its user's account. */
export type AccountRefusal = RefusalToRecord & { userId: number };

export const LOST_RACE: Answer = { retry: { backoff: true } };
export const STALE_MEMORY: Answer = { retry: { backoff: false } };
export const NEEDS_READ: Answer = { retry: { backoff: false } };

/** What a decision against `state` needs of its account: its rules, version and holds (if the round read any). */
export function accountRead(state: UserState, holds?: ReadonlyMap<number, HoldState>): AccountRead {
  return {
    id: state.id,
    held: state.held,
    rules: rulesOf(state),
    debitedToday: state.debitedToday,
    version: state.version,
    hold: (holdId) => {
      const hold = holds?.get(holdId);
      return hold?.userId === state.id ? hold : undefined;
    },
  };
}

/** A payee as a decision needs it (undefined: no such user). */
export function payeeAccount(state: UserState | undefined): PayeeAccount | undefined {
  return state && { balance: state.balance, rules: rulesOf(state) };
}

/**
 * A batch decided against its user as read in this transaction: answered at once when it writes nothing (with
 * the refusals to record under their keys).
 */
export function decideAgainstRead(
  memory: StateMemory,
  batch: RoundBatch<Operation>,
  states: ReadonlyMap<number, UserState>,
  keys: ReadonlyMap<string, RecordedAnswer> | undefined,
  payees?: Payees,
  holds?: ReadonlyMap<number, HoldState>,
): { outcome: Answer; refusals: AccountRefusal[] } | { plan: Plan } {
  const userId = batch.key;
  const state = states.get(userId);
  memory.read(userId, state);
  if (!state) {
    const results = batch.ops.map((op) => notFound(userId, op));
    const decisions = results.map((result) => ({ type: 'rejected' as const, result }));
    return { outcome: { results }, refusals: onAccount(userId, refusalsToRecord(batch.ops, decisions, results)) };
  }
  const decided = decideBatch(state.balance, batch.ops, keys, payees, accountRead(state, holds));
  if (decided.entries.length > 0) return { plan: { batch, state, decided, fromMemory: false, recorded: keys } };
  const outcomes = {
    credit: () => undefined,
    payeeNow: (payee: number) => states.get(payee),
    hold: (holdId: number) => holds?.get(holdId),
  };
  const results = answers(decided, state, state, [], outcomes);
  return {
    outcome: { results },
    refusals: onAccount(userId, refusalsToRecord(batch.ops, decided.decisions, results)),
  };
}

/** What was recorded under the idempotency keys of every batch (entries and refusals), by user. */
export async function findRecorded<Tx>(
  store: BalanceStore<Tx>,
  tx: Tx,
  batches: readonly RoundBatch<Operation>[],
): Promise<Map<number, Map<string, RecordedAnswer>>> {
  const keys = batches.flatMap((batch) => keysOf(batch.ops).map((key) => ({ userId: batch.key, key })));
  return keys.length > 0 ? store.findRecorded(tx, keys) : new Map();
}

/**
 * Writes the decided batches (commit.ts), remembers the states they leave, and sets each batch's outcome; a batch
 * not written gets `notWritten`'s. Records under their keys the refusals of the written batches and `refused`
 * (those of batches that write nothing), in the same transaction.
 */
export async function commitRound<Tx>(
  { store, memory }: RoundContext<Tx>,
  tx: Tx,
  plans: readonly Plan[],
  outcomes: Map<RoundBatch<Operation>, Answer>,
  refused: readonly AccountRefusal[],
  notWritten: (plan: Plan) => Answer,
  reads?: LockedReads,
): Promise<void> {
  const toRecord = [...refused];
  if (plans.length > 0) {
    const { written, payeesAfter } = await commitPlans(store, tx, plans, reads);
    // A payee's row now holds its credits: remember it as it is at the end of this transaction.
    for (const [payee, state] of payeesAfter) memory.set(payee, state);
    for (const plan of plans) {
      const batch = written.get(plan);
      if (!batch) {
        outcomes.set(plan.batch, notWritten(plan));
        continue;
      }
      if (!payeesAfter.has(plan.batch.key)) memory.set(plan.batch.key, batch.state);
      outcomes.set(plan.batch, { results: batch.results });
      toRecord.push(
        ...onAccount(plan.batch.key, refusalsToRecord(plan.batch.ops, batch.decided.decisions, batch.results)),
      );
    }
  }
  await store.recordRefusals(tx, toRecord);
}

/** UserNotFound for an operation of a user that does not exist: for a transfer, its payer's side. */
function notFound(userId: number, op: Operation): UserNotFound {
  return userNotFound(String(userId), op.kind === 'transfer' ? 'PAYER' : null);
}

function onAccount(userId: number, refusals: readonly RefusalToRecord[]): AccountRefusal[] {
  return refusals.map((refusal) => ({ ...refusal, userId }));
}
