import type { Operation } from '../core/operations.js';
import type { UserState } from '../core/user.js';
import type { Logger } from '../logger.js';
import { writeLocked } from './locked-round.js';
import { writeOptimistic } from './optimistic-round.js';
import { OperationFailed, type Round } from './round-queue.js';
import { LOST_RACE, type Answer, type BalanceStats, type Results, type RoundContext } from './round-steps.js';
import { StateMemory } from './state-memory.js';
import type { BalanceStore } from './store.js';

export type { BalanceStats } from './round-steps.js';

export interface BatchWriterOptions {
  /** Users whose last committed state is remembered, to skip the read before a write. */
  stateCacheSize: number;
}

/** Called with the size of each user's batch as its round starts (metrics). */
export type BatchObserver = (size: number) => void;

/**
 * Writes rounds: the batches of many users, each decided in memory (core/decide.ts) and all written in one
 * MikroORM transaction with one statement. Each user's write is guarded by the balance and version its
 * decision was made against, so a decision never lands on a row that changed meanwhile: that user's batch
 * goes again, in a later round, while the others are answered (optimistic-round.ts). A locked round (the last
 * attempt, and batches that need their rows read under a lock) reads its rows with SELECT ... FOR UPDATE in id
 * order, so it cannot lose (locked-round.ts). The writer remembers each user's last committed state
 * (state-memory.ts) so most batches skip the read; the guard makes that safe. This class counts, and turns a
 * failed round into answers.
 */
export class BatchWriter<Tx> {
  private readonly context: RoundContext<Tx>;
  private observer: BatchObserver | undefined;

  constructor(store: BalanceStore<Tx>, options: BatchWriterOptions, logger: Logger) {
    const counters: BalanceStats = {
      rounds: 0,
      batches: 0,
      operations: 0,
      versionConflicts: 0,
      deadlocks: 0,
      concurrentUpdates: 0,
      failedBatches: 0,
    };
    this.context = { store, memory: new StateMemory(options.stateCacheSize), counters, logger };
  }

  observeBatches(observer: BatchObserver): void {
    this.observer = observer;
  }

  stats(): Readonly<BalanceStats> {
    return { ...this.context.counters };
  }

  /** A transaction of a batch of items that PostgreSQL aborted (deadlock, serialization) and that went again. */
  countDeadlock(): void {
    this.context.counters.deadlocks++;
  }

  /** A user as a batch of items left it (or undefined: forget it), written outside the rounds. */
  remember(userId: number, state: UserState | undefined): void {
    this.context.memory.set(userId, state);
  }

  /** One round; every user in it has no other batch in flight in this process. */
  async write(round: Round<Operation>): Promise<Answer[]> {
    const { counters } = this.context;
    counters.rounds++;
    // A batch that goes again (lost a race) is counted once, in its first round.
    for (const batch of round.batches) {
      if (batch.attempt > 1) continue;
      counters.batches++;
      counters.operations += batch.ops.length;
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
    const { store, memory, counters, logger } = this.context;
    try {
      return round.locked
        ? await writeLocked(this.context, round.batches)
        : await writeOptimistic(this.context, round.batches);
    } catch (error) {
      // A write may or may not have committed (e.g. the connection died before the answer): forget what we
      // remember of these users, so their next attempt starts from a fresh read. A client retrying with its
      // idempotency key then gets exactly-once.
      for (const batch of round.batches) memory.set(batch.key, undefined);
      const failure = store.classify(error);
      if (failure === 'conflict') counters.deadlocks++;
      if (failure === 'key-taken' || failure === 'conflict') {
        // Lost a race PostgreSQL noticed itself: another process recorded one of our keys, or a deadlock.
        if (!round.locked) {
          counters.versionConflicts += round.batches.length;
          return round.batches.map(() => LOST_RACE);
        }
      }
      counters.failedBatches++;
      const operations = round.batches.reduce((sum, b) => sum + b.ops.length, 0);
      if (operations === 1 || failure === 'unavailable') {
        return round.batches.map((b) => ({ results: b.ops.map(() => new OperationFailed(error)) }));
      }
      logger.warn(
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
}
