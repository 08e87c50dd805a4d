import { answers } from '../core/answers.js';
import {
  decideBatch,
  keysOf,
  NO_HOLDS,
  refusalsToRecord,
  type Holding,
  type Payees,
  type RecordedAnswer,
  type RefusalToRecord,
} from '../core/decide.js';
import type { HoldState } from '../core/hold.js';
import { holdEndedBy, payeeOf, type Operation } from '../core/operations.js';
import type { Outcome } from '../core/outcomes.js';
import { concurrentUpdate, userNotFound, type UserNotFound } from '../core/refusals.js';
import type { UserState } from '../core/user.js';
import type { Logger } from '../logger.js';
import { BoundedCache } from '../core/bounded-cache.js';
import { commitPlans, type LockedReads } from './commit.js';
import { dependsOnBalance, relativePlan, type Plan } from './plan.js';
import { OperationFailed, type BatchOutcome, type Round, type RoundBatch } from './round-queue.js';
import type { BalanceStore } from './store.js';

export interface BatchWriterOptions {
  /** Users whose last committed state is remembered, to skip the read before a write. */
  stateCacheSize: number;
}

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

/** Called with the size of each user's batch as its round starts (metrics). */
export type BatchObserver = (size: number) => void;

/** Locked rounds that PostgreSQL may still abort (deadlock, serialization) before the round fails. */
const LOCKED_ATTEMPTS = 3;

type Answer = BatchOutcome<Outcome>;
type Results = (Outcome | OperationFailed)[];
/** A refusal to record under its key, on its user's account. */
type AccountRefusal = RefusalToRecord & { userId: number };

const LOST_RACE: Answer = { retry: { backoff: true } };
const STALE_MEMORY: Answer = { retry: { backoff: false } };
const NEEDS_READ: Answer = { retry: { backoff: false } };

/** What a decision against `state` needs of its holds (those read in this round, if it read any). */
function holdingOf(state: UserState, holds?: ReadonlyMap<number, HoldState>): Holding {
  const account = { id: state.id, version: state.version };
  if (!holds) return { ...NO_HOLDS, held: state.held, account };
  return {
    held: state.held,
    account,
    get: (holdId) => {
      const hold = holds.get(holdId);
      return hold?.userId === state.id ? hold : undefined;
    },
  };
}

/**
 * Writes rounds: the batches of many users, each decided in memory (balance.decide) and all written in one
 * MikroORM transaction with one statement. Each user's write is guarded by the balance and version its
 * decision was made against, so a decision never lands on a row that changed meanwhile: that user's batch
 * goes again, in a later round, while the others are answered. A locked round (the last attempt) reads its
 * rows with SELECT ... FOR UPDATE in id order, so it cannot lose. The writer remembers each user's last
 * committed state (bounded LRU) so most batches skip the read; the guard makes that safe.
 */
export class BatchWriter<Tx> {
  private readonly remembered: BoundedCache<number, UserState>;
  private readonly counters: BalanceStats = {
    rounds: 0,
    batches: 0,
    operations: 0,
    versionConflicts: 0,
    deadlocks: 0,
    concurrentUpdates: 0,
    failedBatches: 0,
  };
  private observer: BatchObserver | undefined;
  /**
   * Users whose relative write did not fit (or who do not exist): their next batch is decided after a read.
   * Every other user this process does not remember is written relatively first, also after a lost race.
   */
  private readonly needsRead = new Set<number>();

  constructor(
    private readonly store: BalanceStore<Tx>,
    options: BatchWriterOptions,
    private readonly logger: Logger,
  ) {
    this.remembered = new BoundedCache(options.stateCacheSize);
  }

  observeBatches(observer: BatchObserver): void {
    this.observer = observer;
  }

  stats(): Readonly<BalanceStats> {
    return { ...this.counters };
  }

  /** A transaction of a batch of items that PostgreSQL aborted (deadlock, serialization) and that went again. */
  countDeadlock(): void {
    this.counters.deadlocks++;
  }

  /** A user as a batch of items left it (or undefined: forget it), written outside the rounds. */
  remember(userId: number, state: UserState | undefined): void {
    this.remembered.set(userId, state);
  }

  /** One round; every user in it has no other batch in flight in this process. */
  async write(round: Round<Operation>): Promise<Answer[]> {
    this.counters.rounds++;
    // A batch that goes again (lost a race) is counted once, in its first round.
    for (const batch of round.batches) {
      if (batch.attempt > 1) continue;
      this.counters.batches++;
      this.counters.operations += batch.ops.length;
      this.observer?.(batch.ops.length);
    }
    return this.settle(round);
  }

  /**
   * Writes a round. An error that is not "database unavailable" may concern one user or one operation only
   * (e.g. a value the database refuses): the round is then written again a batch at a time, and a failing
   * batch an operation at a time (locked, so nothing can lose a race), so only the operations at fault get it.
   */
  private async settle(round: Round<Operation>): Promise<Answer[]> {
    try {
      return round.locked ? await this.writeLocked(round.batches) : await this.writeOptimistic(round.batches);
    } catch (error) {
      // A write may or may not have committed (e.g. the connection died before the answer): forget what we
      // remember of these users, so their next attempt starts from a fresh read. A client retrying with its
      // idempotency key then gets exactly-once.
      for (const batch of round.batches) this.remembered.set(batch.key, undefined);
      const failure = this.store.classify(error);
      if (failure === 'conflict') this.counters.deadlocks++;
      if (failure === 'key-taken' || failure === 'conflict') {
        // Lost a race PostgreSQL noticed itself: another process recorded one of our keys, or a deadlock.
        if (!round.locked) {
          this.counters.versionConflicts += round.batches.length;
          return round.batches.map(() => LOST_RACE);
        }
      }
      this.counters.failedBatches++;
      const operations = round.batches.reduce((sum, b) => sum + b.ops.length, 0);
      if (operations === 1 || failure === 'unavailable') {
        return round.batches.map((b) => ({ results: b.ops.map(() => new OperationFailed(error)) }));
      }
      this.logger.warn(
        { err: error, users: round.batches.length, operations },
        'round failed; writing it again one batch, then one operation, at a time',
      );
      const outcomes: Answer[] = [];
      for (const batch of round.batches) {
        if (round.batches.length > 1) {
          outcomes.push(...(await this.settle({ locked: round.locked, batches: [batch] })));
          continue;
        }
        const results: Results = [];
        for (const op of batch.ops) {
          const [outcome] = await this.settle({ locked: true, batches: [{ ...batch, ops: [op] }] });
          results.push(...('results' in outcome! ? outcome.results : [new OperationFailed(error)]));
        }
        outcomes.push({ results });
      }
      return outcomes;
    }
  }

  /**
   * One optimistic transaction: each batch decided against the remembered state when that lets something
   * through, else against a fresh read (a refusal must rest on a fresh read: another process may have added
   * funds since), then every decided batch written by one guarded statement.
   */
  private writeOptimistic(batches: readonly RoundBatch<Operation>[]): Promise<Answer[]> {
    return this.store.transaction(async (tx) => {
      const recorded = await this.findRecorded(tx, batches);
      const outcomes = new Map<RoundBatch<Operation>, Answer>();
      const plans: Plan[] = [];
      const toRead: RoundBatch<Operation>[] = [];
      for (const batch of batches) {
        const known = this.remembered.get(batch.key);
        const keys = recorded.get(batch.key);
        const decided = known && decideBatch(known.balance, batch.ops, keys, undefined, holdingOf(known));
        // Relative when nothing is expected to be refused for the balance: it cannot lose a race to another
        // process's change, since it adds to whatever the row holds. Guarded (from memory) when the memory
        // refuses some of the batch; read first when it refuses all of it, or the relative write did not fit.
        const refusesSome = decided?.decisions.some((d) => d.type === 'rejected' && dependsOnBalance(d.result));
        const relative =
          refusesSome || this.needsRead.has(batch.key)
            ? undefined
            : relativePlan(batch, keys, known && { balance: known.balance, held: known.held, decided: decided! });
        if (relative) plans.push(relative);
        else if (known && decided!.entries.length > 0) {
          plans.push({ batch, state: known, decided: decided!, fromMemory: true, recorded: keys });
        } else toRead.push(batch);
      }
      const refused: AccountRefusal[] = [];
      if (toRead.length > 0) {
        const states = await this.store.load(
          tx,
          toRead.map((b) => b.key),
        );
        for (const batch of toRead) {
          const decision = this.decideAgainstRead(batch, states, recorded.get(batch.key));
          if ('plan' in decision) plans.push(decision.plan);
          else {
            outcomes.set(batch, decision.outcome);
            refused.push(...decision.refusals);
          }
        }
      }
      await this.commit(tx, plans, outcomes, refused, (plan) => {
        this.remembered.set(plan.batch.key, undefined);
        // A relative batch that did not fit (or a user that does not exist) is decided again after a read.
        if (!plan.state) {
          this.needsRead.add(plan.batch.key);
          return NEEDS_READ;
        }
        this.counters.versionConflicts++;
        return plan.fromMemory ? STALE_MEMORY : LOST_RACE;
      });
      return batches.map((batch) => outcomes.get(batch)!);
    });
  }

  /**
   * A locked round: a batch's last attempt, or batches with transfers. Every row it touches (users and the
   * payees of their transfers) is read with SELECT ... FOR UPDATE in id order, so no other writer gets in
   * between, and two rounds (even transfers in opposite directions) lock in the same order and cannot deadlock.
   * The payers' batches are written as usual, then the payees' credits.
   */
  private async writeLocked(batches: readonly RoundBatch<Operation>[]): Promise<Answer[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction(async (tx) => {
          const payees = batches.flatMap((b) => b.ops.flatMap((op) => payeeOf(op) ?? []));
          const ids = [...new Set([...batches.map((b) => b.key), ...payees])];
          const states = await this.store.load(tx, ids, true);
          const recorded = await this.findRecorded(tx, batches);
          const holds = await this.readHolds(tx, batches, recorded);
          const reads: LockedReads = { users: states, holds };
          const outcomes = new Map<RoundBatch<Operation>, Answer>();
          const plans: Plan[] = [];
          const payeeBalances = { balanceOf: (payee: number) => states.get(payee)?.balance };
          // Batches are decided in id order, and that is their order: a batch whose user an earlier batch of
          // this round pays is decided in a later round, after the credit, so that no decision here (a refusal
          // above all) misses a credit that comes before it.
          const credited = new Set<number>();
          const refused: AccountRefusal[] = [];
          for (const batch of batches) {
            if (credited.has(batch.key)) {
              outcomes.set(batch, NEEDS_READ);
              continue;
            }
            const decision = this.decideAgainstRead(batch, states, recorded.get(batch.key), payeeBalances, holds);
            if ('outcome' in decision) {
              outcomes.set(batch, decision.outcome);
              refused.push(...decision.refusals);
              continue;
            }
            plans.push(decision.plan);
            const { decided } = decision.plan;
            for (const entry of decided.entries) if (entry.transfer) credited.add(entry.transfer.counterparty);
          }
          await this.commit(tx, plans, outcomes, refused, (plan) => this.gaveUp(plan.batch), reads);
          return batches.map((batch) => outcomes.get(batch)!);
        });
      } catch (error) {
        if (this.store.classify(error) !== 'conflict' || attempt >= LOCKED_ATTEMPTS) throw error;
        this.counters.versionConflicts++;
        this.counters.deadlocks++;
      }
    }
  }

  /**
   * A batch decided against its user as read in this transaction: answered at once when it writes nothing (with
   * the refusals to record under their keys).
   */
  private decideAgainstRead(
    batch: RoundBatch<Operation>,
    states: ReadonlyMap<number, UserState>,
    keys: ReadonlyMap<string, RecordedAnswer> | undefined,
    payees?: Payees,
    holds?: ReadonlyMap<number, HoldState>,
  ): { outcome: Answer; refusals: AccountRefusal[] } | { plan: Plan } {
    const state = states.get(batch.key);
    this.remembered.set(batch.key, state);
    this.needsRead.delete(batch.key);
    const userId = batch.key;
    if (!state) {
      const results = batch.ops.map((op) => notFound(userId, op));
      const decisions = results.map((result) => ({ type: 'rejected' as const, result }));
      return { outcome: { results }, refusals: onAccount(userId, refusalsToRecord(batch.ops, decisions, results)) };
    }
    const decided = decideBatch(state.balance, batch.ops, keys, payees, holdingOf(state, holds));
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

  /**
   * The holds a locked round's batches name (the ones they end, and the ones their recorded keys made), read
   * under their users' row locks; new holds get their ids first.
   */
  private async readHolds(
    tx: Tx,
    batches: readonly RoundBatch<Operation>[],
    recorded: ReadonlyMap<number, ReadonlyMap<string, RecordedAnswer>>,
  ): Promise<Map<number, HoldState>> {
    const unnamed = batches.flatMap((b) =>
      b.ops.flatMap((op) => (op.kind === 'placeHold' && op.holdId === 0 ? [op] : [])),
    );
    if (unnamed.length > 0) {
      const ids = await this.store.newHoldIds(tx, unnamed.length);
      unnamed.forEach((op, i) => (op.holdId = ids[i]!));
    }
    const named = batches.flatMap((b) => [
      ...b.ops.flatMap((op) => (holdEndedBy(op) !== undefined ? [{ userId: b.key, id: holdEndedBy(op)! }] : [])),
      ...[...(recorded.get(b.key)?.values() ?? [])].flatMap((e) =>
        'hold' in e && e.hold ? [{ userId: b.key, id: e.hold.id }] : [],
      ),
    ]);
    return this.store.lockedHolds(tx, named);
  }

  /** Only something bypassing the row lock and the guard (a trigger, ...) can get here. */
  private gaveUp(batch: RoundBatch<Operation>): Answer {
    this.remembered.set(batch.key, undefined);
    this.counters.concurrentUpdates += batch.ops.length;
    this.logger.warn(
      { userId: batch.key, attempts: batch.attempt },
      'batch gave up: the row changed even under a row lock',
    );
    return { results: batch.ops.map(() => concurrentUpdate(String(batch.key), batch.attempt)) };
  }

  /** The recorded entries for the idempotency keys of every batch, by user. */
  private async findRecorded(
    tx: Tx,
    batches: readonly RoundBatch<Operation>[],
  ): Promise<Map<number, Map<string, RecordedAnswer>>> {
    const keys = batches.flatMap((batch) => keysOf(batch.ops).map((key) => ({ userId: batch.key, key })));
    return keys.length > 0 ? this.store.findRecorded(tx, keys) : new Map();
  }

  /**
   * Writes the decided batches (balance.commit), remembers the states they leave, and sets each batch's outcome;
   * a batch not written gets `notWritten`'s. Records under their keys the refusals of the written batches and
   * `refused` (those of batches that write nothing), in the same transaction.
   */
  private async commit(
    tx: Tx,
    plans: readonly Plan[],
    outcomes: Map<RoundBatch<Operation>, Answer>,
    refused: readonly AccountRefusal[],
    notWritten: (plan: Plan) => Answer,
    reads?: LockedReads,
  ): Promise<void> {
    const toRecord = [...refused];
    if (plans.length > 0) await this.writePlans(tx, plans, outcomes, toRecord, notWritten, reads);
    await this.store.recordRefusals(tx, toRecord);
  }

  private async writePlans(
    tx: Tx,
    plans: readonly Plan[],
    outcomes: Map<RoundBatch<Operation>, Answer>,
    toRecord: AccountRefusal[],
    notWritten: (plan: Plan) => Answer,
    reads?: LockedReads,
  ): Promise<void> {
    const { written, payeesAfter } = await commitPlans(this.store, tx, plans, reads);
    // A payee's row now holds its credits: remember it as it is at the end of this transaction.
    for (const [payee, state] of payeesAfter) this.remembered.set(payee, state);
    for (const plan of plans) {
      const batch = written.get(plan);
      if (!batch) {
        outcomes.set(plan.batch, notWritten(plan));
        continue;
      }
      if (!payeesAfter.has(plan.batch.key)) this.remembered.set(plan.batch.key, batch.state);
      outcomes.set(plan.batch, { results: batch.results });
      toRecord.push(
        ...onAccount(plan.batch.key, refusalsToRecord(plan.batch.ops, batch.decided.decisions, batch.results)),
      );
    }
  }
}

/** UserNotFound for an operation of a user that does not exist: for a transfer, its payer's side. */
function notFound(userId: number, op: Operation): UserNotFound {
  return userNotFound(String(userId), op.kind === 'transfer' ? 'PAYER' : null);
}

function onAccount(userId: number, refusals: readonly RefusalToRecord[]): AccountRefusal[] {
  return refusals.map((refusal) => ({ ...refusal, userId }));
}
