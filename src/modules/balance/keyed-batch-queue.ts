interface Job<Op, Result> {
  op: Op;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

/** What a lane remembers between its batches; dropped with the lane when it goes idle. */
export interface LaneMemo<Memo> {
  value?: Memo;
}

/** Processes one batch of operations for one key; returns one result per operation, in order. */
export type BatchProcessor<Key, Op, Result, Memo> = (
  key: Key,
  ops: readonly Op[],
  memo: LaneMemo<Memo>,
) => Promise<Result[]>;

interface Lane<Op, Result, Memo> {
  jobs: Job<Op, Result>[];
  memo: LaneMemo<Memo>;
}

/**
 * Per-key lanes: operations for one key run one batch at a time, in arrival order. Operations that arrive
 * while a batch is in flight wait and form the next batch (at most `maxBatchSize`). A lane exists only
 * while it has work, so memory stays flat however many distinct keys pass through.
 */
export class KeyedBatchQueue<Key, Op, Result, Memo = never> {
  private readonly lanes = new Map<Key, Lane<Op, Result, Memo>>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly processBatch: BatchProcessor<Key, Op, Result, Memo>,
    private readonly maxBatchSize: number,
  ) {}

  submit(key: Key, op: Op): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const job = { op, resolve, reject };
      const pending = this.lanes.get(key);
      if (pending) {
        pending.jobs.push(job);
        return;
      }
      const lane: Lane<Op, Result, Memo> = { jobs: [job], memo: {} };
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

  private async drain(key: Key, lane: Lane<Op, Result, Memo>): Promise<void> {
    while (lane.jobs.length > 0) {
      const batch = lane.jobs.splice(0, this.maxBatchSize);
      try {
        const results = await this.processBatch(
          key,
          batch.map((job) => job.op),
          lane.memo,
        );
        if (results.length !== batch.length) {
          throw new Error(`batch processor returned ${results.length} results for ${batch.length} operations`);
        }
        batch.forEach((job, i) => job.resolve(results[i] as Result));
      } catch (error) {
        // A failed batch still answers every request waiting on it, and what the lane remembered is suspect.
        lane.memo.value = undefined;
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
