import { setTimeout as delay } from 'node:timers/promises';
import { isDatabaseUnavailable, isTransientConflict } from '../../db/errors.js';
import type { Tx } from '../../db/sql.js';
import type { Logger } from '../../logger.js';
import { BoundedCache } from '../common/bounded-cache.js';
import type { UserState } from '../users/user.entity.js';
import { answers, decideBatch, keysOf, type BalanceOperation, type BatchDecision } from './balance.decide.js';
import { isKeyTaken, type BalanceStore } from './balance.store.js';
import { ConcurrentUpdate, UserNotFound, type UpdateBalanceResult } from './balance.types.js';
import { OperationFailed } from './keyed-batch-queue.js';

export interface BatchWriterOptions {
  /** Attempts per batch; the last one takes a row lock, so it cannot lose a race. */
  maxAttempts: number;
  /** Users whose last committed state is remembered, to skip the read before a write. */
  stateCacheSize: number;
}

export interface BalanceStats {
  batches: number;
  operations: number;
  /** Attempts that lost an optimistic race (version moved, key recorded elsewhere, deadlock) and were retried. */
  versionConflicts: number;
  /** Operations answered with ConcurrentUpdate. */
  concurrentUpdates: number;
  /** Batches that failed with an error (database unreachable, ...). */
  failedBatches: number;
}

/** Called with the size of each batch as it starts (metrics). */
export type BatchObserver = (size: number) => void;

/** Row-locked attempts that PostgreSQL may still abort (deadlock, serialization) before the batch fails. */
const LOCKED_ATTEMPTS = 3;

type Outcome = { results?: UpdateBalanceResult[]; fromMemory: boolean };

/**
 * Writes one user's batch: decides it in memory (balance.decide) and commits it in one MikroORM transaction
 * with one statement, under an optimistic version check, with bounded retries. It remembers each user's last
 * committed state (bounded LRU) so most batches skip the read; the version check makes that safe. The last
 * attempt locks the row, so a batch always ends with business answers, unless the database fails it.
 */
export class BatchWriter {
  private readonly remembered: BoundedCache<number, UserState>;
  private readonly counters: BalanceStats = {
    batches: 0,
    operations: 0,
    versionConflicts: 0,
    concurrentUpdates: 0,
    failedBatches: 0,
  };
  private observer: BatchObserver | undefined;

  constructor(
    private readonly store: BalanceStore,
    private readonly options: BatchWriterOptions,
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

  /**
   * One batch for one user; only that user's lane calls this, so batches of one user never overlap. An error
   * that is not "database unavailable" may concern one operation only (e.g. a value the database refuses):
   * the batch is then re-run one operation at a time, so only the operations at fault get the error.
   */
  async write(userId: number, ops: readonly BalanceOperation[]): Promise<(UpdateBalanceResult | OperationFailed)[]> {
    this.counters.batches++;
    this.counters.operations += ops.length;
    this.observer?.(ops.length);
    return this.settle(userId, ops);
  }

  private async settle(
    userId: number,
    ops: readonly BalanceOperation[],
  ): Promise<(UpdateBalanceResult | OperationFailed)[]> {
    try {
      return await this.writeWithRetries(userId, ops);
    } catch (error) {
      // The write may or may not have committed (e.g. the connection died before the answer): forget what
      // we remember of this user, so the next attempt starts from a fresh read. A client retrying with its
      // idempotency key then gets exactly-once.
      this.remembered.set(userId, undefined);
      this.counters.failedBatches++;
      if (ops.length === 1 || isDatabaseUnavailable(error)) return ops.map(() => new OperationFailed(error));
      this.logger.warn(
        { err: error, userId, operations: ops.length },
        'batch failed; retrying its operations one by one',
      );
      const results: (UpdateBalanceResult | OperationFailed)[] = [];
      for (const op of ops) results.push(...(await this.settle(userId, [op])));
      return results;
    }
  }

  private async writeWithRetries(userId: number, ops: readonly BalanceOperation[]): Promise<UpdateBalanceResult[]> {
    for (let attempt = 1; attempt < this.options.maxAttempts; attempt++) {
      let outcome: Outcome;
      try {
        outcome = await this.store.transaction((tx) => this.attempt(tx, userId, ops));
      } catch (error) {
        // Lost a race PostgreSQL noticed itself: another process recorded one of our keys, or a deadlock.
        if (!isKeyTaken(error) && !isTransientConflict(error)) throw error;
        this.remembered.set(userId, undefined);
        outcome = { fromMemory: false };
      }
      if (outcome.results) return outcome.results;
      this.counters.versionConflicts++;
      // A stale memory is simply re-read; a lost race on fresh data backs off, jittered, so that racing
      // processes stop colliding in lockstep.
      if (!outcome.fromMemory) await delay(Math.random() * 2 ** attempt);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.transaction((tx) => this.attemptLocked(tx, userId, ops));
      } catch (error) {
        if (!isTransientConflict(error) || attempt >= LOCKED_ATTEMPTS) throw error;
        this.counters.versionConflicts++;
      }
    }
  }

  /**
   * One optimistic attempt in one transaction: decide against the remembered state when that lets something
   * through, else against a fresh read, then write under the version check. No results: the check failed.
   */
  private async attempt(tx: Tx, userId: number, ops: readonly BalanceOperation[]): Promise<Outcome> {
    const keys = keysOf(ops);
    const recorded = keys.length > 0 ? await this.store.findRecorded(tx, userId, keys) : undefined;
    const known = this.remembered.get(userId);
    const remembered = known && { state: known, decided: decideBatch(known.balance, ops, recorded) };
    const fromMemory = remembered !== undefined && remembered.decided.entries.length > 0;
    let plan = fromMemory ? remembered : undefined;
    if (!plan) {
      // A refusal must rest on a fresh read: another process may have added funds since.
      const state = await this.store.load(tx, userId);
      this.remembered.set(userId, state);
      if (!state) return { results: ops.map(() => new UserNotFound(String(userId))), fromMemory };
      plan = { state, decided: decideBatch(state.balance, ops, recorded) };
      if (plan.decided.entries.length === 0) return { results: answers(plan.decided, state, state, []), fromMemory };
    }
    return { results: await this.commit(tx, plan.state, plan.decided), fromMemory };
  }

  /** The last attempt: read with SELECT ... FOR UPDATE, so no other writer can get in between. */
  private async attemptLocked(
    tx: Tx,
    userId: number,
    ops: readonly BalanceOperation[],
  ): Promise<UpdateBalanceResult[]> {
    const state = await this.store.load(tx, userId, true);
    this.remembered.set(userId, state);
    if (!state) return ops.map(() => new UserNotFound(String(userId)));
    const keys = keysOf(ops);
    const recorded = keys.length > 0 ? await this.store.findRecorded(tx, userId, keys) : undefined;
    const decided = decideBatch(state.balance, ops, recorded);
    if (decided.entries.length === 0) return answers(decided, state, state, []);
    const results = await this.commit(tx, state, decided);
    if (results) return results;
    // Only something bypassing the version (a trigger, a manual UPDATE) can get here.
    this.remembered.set(userId, undefined);
    this.counters.versionConflicts++;
    this.counters.concurrentUpdates += ops.length;
    this.logger.warn(
      { userId, attempts: this.options.maxAttempts },
      'batch gave up: the row changed even under a row lock',
    );
    return ops.map(() => new ConcurrentUpdate(String(userId), this.options.maxAttempts));
  }

  /** Writes a decided batch; undefined when the version check failed. */
  private async commit(tx: Tx, state: UserState, decided: BatchDecision): Promise<UpdateBalanceResult[] | undefined> {
    const written = await this.store.write(tx, state, decided.balance, decided.entries);
    this.remembered.set(state.id, written?.state);
    return written && answers(decided, state, written.state, written.entryIds);
  }
}
