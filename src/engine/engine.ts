import { needsLock, type Operation } from '../core/operations.js';
import type { Outcome } from '../core/outcomes.js';
import type { Logger } from '../logger.js';
import { ItemsWriter, type BatchAnswer, type BatchItem } from './items-writer.js';
import { RoundQueue } from './round-queue.js';
import type { BalanceStore, BatchKey } from './store.js';
import { BatchWriter, type BalanceStats, type BatchObserver } from './writer.js';

export type { BatchAnswer, BatchItem } from './items-writer.js';
export type { BatchKey } from './store.js';
export type { BalanceStats, BatchObserver } from './writer.js';

export interface EngineOptions {
  /** Most operations of one user in one round. */
  maxBatchSize: number;
  /** Most operations in one round (one transaction), over all its users. */
  maxRoundOperations: number;
  /** Rounds in flight at once, each on its own connection. */
  maxConcurrentRounds: number;
  /** Attempts per batch; the last one takes a row lock, so it cannot lose a race. */
  maxAttempts: number;
  /** Users whose last committed state is remembered, to skip the read before a write. */
  stateCacheSize: number;
}

/**
 * The one way money moves: every operation joins its user's lane (a batch of operations is one transaction of its
 * own, see submitBatch); the lanes that are ready are written together,
 * a round (one transaction) at a time, by the BatchWriter, which decides each user's batch (core/decide.ts),
 * writes it through the store under its guard, retries lost races and answers after the commit.
 */
export class BalanceEngine<Tx> {
  private readonly writer: BatchWriter<Tx>;
  private readonly lanes: RoundQueue<Operation, Outcome>;
  private readonly items: ItemsWriter<Tx>;

  constructor(store: BalanceStore<Tx>, options: EngineOptions, logger: Logger) {
    this.writer = new BatchWriter(store, options, logger);
    this.lanes = new RoundQueue((round) => this.writer.write(round), {
      maxBatchSize: options.maxBatchSize,
      maxRoundOperations: options.maxRoundOperations,
      maxConcurrentRounds: options.maxConcurrentRounds,
      lockedAttempt: options.maxAttempts,
      // An operation that pays another user or names a hold is decided in a locked round: its rows (the payee's
      // too, in id order) and its holds are read under the locks before deciding.
      needsLock,
    });
    this.items = new ItemsWriter(
      store,
      (userId, state) => this.writer.remember(userId, state),
      () => this.writer.countDeadlock(),
    );
  }

  /** Applies `op` to `userId`'s account in its lane; resolves with its outcome after the commit. */
  submit(userId: number, op: Operation): Promise<Outcome> {
    return this.lanes.submit(userId, op);
  }

  /**
   * Applies a batch of items, across accounts and in order, in one transaction of its own (rows locked in id
   * order, as the rounds lock them); `atomic`: all of them or, at the first refusal, none.
   */
  submitBatch(items: readonly BatchItem[], atomic: boolean, key: BatchKey | null): Promise<BatchAnswer> {
    return this.items.write(items, atomic, key);
  }

  observeBatches(observer: BatchObserver): void {
    this.writer.observeBatches(observer);
  }

  stats(): Readonly<BalanceStats> {
    return this.writer.stats();
  }

  get activeLanes(): number {
    return this.lanes.activeLanes;
  }

  /** Operations waiting for a round: the balance path is saturated while it is above zero. */
  get waiting(): number {
    return this.lanes.waiting;
  }

  /** Resolves when every queued operation has been committed and answered. */
  whenIdle(): Promise<void> {
    return this.lanes.whenIdle();
  }
}
