interface Job<Op, Result> {
  op: Op;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/** A result that is an error for its one operation: the queue rejects that operation's promise with `error`. */
export class OperationFailed {
  constructor(readonly error: unknown) {}
}

/**
 * Processes one batch of operations for one key; returns one result per operation, in order (an
 * OperationFailed fails that operation alone). A thrown error fails every operation of the batch.
 */
export type BatchProcessor<Key, Op, Result> = (key: Key, ops: readonly Op[]) => Promise<(Result | OperationFailed)[]>;

/**
 * Per-key lanes: operations for one key run one batch at a time, in arrival order. Operations that arrive
 * while a batch is in flight wait and form the next batch (at most `maxBatchSize`). A lane exists only
 * while it has work, so memory stays flat however many distinct keys pass through.
 */
export class KeyedBatchQueue<Key, Op, Result> {
  private readonly lanes = new Map<Key, Job<Op, Result>[]>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly processBatch: BatchProcessor<Key, Op, Result>,
    private readonly maxBatchSize: number,
  ) {}

  submit(key: Key, op: Op): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const job = { op, resolve, reject };
      const pending = this.lanes.get(key);
      if (pending) {
        pending.push(job);
        return;
      }
      const lane = [job];
      this.lanes.set(key, lane);
      void this.drain(key, lane);
    });
  }

  /** Number of keys with queued or running work. */
  get activeLanes(): number {
    return this.lanes.size;
  }

  /** Resolves once no lane has work (immediately when none has). */
  whenIdle(): Promise<void> {
    if (this.lanes.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(key: Key, lane: Job<Op, Result>[]): Promise<void> {
    while (lane.length > 0) {
      const batch = lane.splice(0, this.maxBatchSize);
      try {
        const results = await this.processBatch(
          key,
          batch.map((job) => job.op),
        );
        if (results.length !== batch.length) {
          throw new Error(`batch processor returned ${results.length} results for ${batch.length} operations`);
        }
        batch.forEach((job, i) => {
          const result = results[i]!;
          if (result instanceof OperationFailed) job.reject(result.error);
          else job.resolve(result);
        });
      } catch (error) {
        // A failed batch still answers every request waiting on it.
        for (const job of batch) job.reject(error);
      }
    }
    this.lanes.delete(key);
    if (this.lanes.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
