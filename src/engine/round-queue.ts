import { planRound, type PlannedRound, type ReadyLane, type RoundLimits } from './round-planner.js';

interface Job<Op, Result> {
  op: Op;
  resolve(result: Result): void;
  reject(error: unknown): void;
}

interface Lane<Op, Result> {
  key: number;
  queued: Job<Op, Result>[];
  /** A batch that lost a race: it goes again, as it was, before anything queued behind it. */
  retry?: { jobs: Job<Op, Result>[]; attempt: number };
  /** A batch of this lane is in a round, or waits out its back-off. */
  busy: boolean;
  /** Operations of this lane (queued or retried) that need a locked round: most lanes never have any. */
  locking: number;
}

/** A result that is an error for its one operation: the queue rejects that operation's promise with `error`. */
export class OperationFailed {
  constructor(readonly error: unknown) {}
}

/** One user's batch in a round, as the processor sees it. */
export interface RoundBatch<Op> {
  key: number;
  ops: readonly Op[];
  /** 1 for the first try; a round is locked when its batches reached `lockedAttempt`. */
  attempt: number;
}

export interface Round<Op> {
  locked: boolean;
  /** Ascending by key. */
  batches: readonly RoundBatch<Op>[];
}

/**
 * What became of one batch of a round: one result per operation (an OperationFailed fails that operation
 * alone), or "lost a race, go again" (after a short jittered pause when `backoff`, so that processes
 * racing for one user stop colliding in lockstep).
 */
export type BatchOutcome<Result> = { results: (Result | OperationFailed)[] } | { retry: { backoff: boolean } };

/** Writes one round; returns one outcome per batch, in the round's order. A throw fails every operation. */
export type RoundProcessor<Op, Result> = (round: Round<Op>) => Promise<BatchOutcome<Result>[]>;

export interface RoundQueueOptions<Op> extends RoundLimits {
  /** Rounds in flight at once (each holds one database connection while it runs). */
  maxConcurrentRounds: number;
  /** Operations whose batch must be written in a locked round (e.g. transfers); none when absent. */
  needsLock?: (op: Op) => boolean;
}

/**
 * Per-user lanes written in rounds (group commit). Operations of one user run one batch at a time, in
 * arrival order; whatever is ready in many lanes is written together in one round, so one transaction
 * carries the work of many users. A round starts as soon as one of `maxConcurrentRounds` slots is free:
 * under light load a round holds one operation; under heavy load work piles up while the slots are busy and
 * the next round takes it all (up to its size cap). A lane exists only while it has work.
 */
export class RoundQueue<Op, Result> {
  private readonly lanes = new Map<number, Lane<Op, Result>>();
  /** Keys of lanes with work and no batch in flight, oldest first (a Set keeps insertion order). */
  private readonly ready = new Set<number>();
  private running = 0;
  /** Operations submitted and not yet taken into a round. */
  private queuedOperations = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly processRound: RoundProcessor<Op, Result>,
    private readonly options: RoundQueueOptions<Op>,
  ) {}

  submit(key: number, op: Op): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      let lane = this.lanes.get(key);
      if (!lane) {
        lane = { key, queued: [], busy: false, locking: 0 };
        this.lanes.set(key, lane);
      }
      lane.queued.push({ op, resolve, reject });
      this.queuedOperations++;
      if (this.options.needsLock?.(op)) lane.locking++;
      if (!lane.busy) this.ready.add(key);
      this.schedule();
    });
  }

  /** Number of users with queued or running work. */
  get activeLanes(): number {
    return this.lanes.size;
  }

  /** Operations waiting for a round (above zero: requests arrive faster than rounds take them). */
  get waiting(): number {
    return this.queuedOperations;
  }

  /** Resolves once no lane has work (immediately when none has). */
  whenIdle(): Promise<void> {
    if (this.lanes.size === 0 && this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Starts rounds on the next turn of the event loop, so that the requests that arrived together (one poll of
   * the sockets) go into one round rather than the first of them alone.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.maxConcurrentRounds && this.ready.size > 0) {
      const plan = planRound(this.readyLanes(), this.options);
      if (!plan) break;
      this.running++;
      void this.run(this.take(plan));
    }
  }

  private *readyLanes(): Generator<ReadyLane> {
    for (const key of this.ready) {
      const lane = this.lanes.get(key)!;
      yield {
        key,
        queued: lane.queued.length,
        retry: lane.retry && { size: lane.retry.jobs.length, attempt: lane.retry.attempt },
        needsLock: this.nextBatchNeedsLock(lane),
      };
    }
  }

  private nextBatchNeedsLock(lane: Lane<Op, Result>): boolean {
    const needsLock = this.options.needsLock;
    if (!needsLock || lane.locking === 0) return false;
    const jobs = lane.retry ? lane.retry.jobs : lane.queued.slice(0, this.options.maxBatchSize);
    return jobs.some((job) => needsLock(job.op));
  }

  /** Takes the planned jobs out of their lanes. */
  private take(plan: PlannedRound): {
    locked: boolean;
    batches: { lane: Lane<Op, Result>; jobs: Job<Op, Result>[]; attempt: number }[];
  } {
    return {
      locked: plan.locked,
      batches: plan.batches.map((batch) => {
        const lane = this.lanes.get(batch.key)!;
        const jobs = batch.retry ? lane.retry!.jobs : lane.queued.splice(0, batch.size);
        if (!batch.retry) this.queuedOperations -= jobs.length;
        if (batch.retry) lane.retry = undefined;
        lane.busy = true;
        this.ready.delete(batch.key);
        return { lane, jobs, attempt: batch.attempt };
      }),
    };
  }

  private async run(round: ReturnType<RoundQueue<Op, Result>['take']>): Promise<void> {
    let outcomes: BatchOutcome<Result>[] | undefined;
    let failure: unknown;
    try {
      outcomes = await this.processRound({
        locked: round.locked,
        batches: round.batches.map(({ lane, jobs, attempt }) => ({
          key: lane.key,
          ops: jobs.map((j) => j.op),
          attempt,
        })),
      });
      if (outcomes.length !== round.batches.length) {
        throw new Error(`round processor returned ${outcomes.length} outcomes for ${round.batches.length} batches`);
      }
    } catch (error) {
      outcomes = undefined;
      failure = error;
    }
    round.batches.forEach(({ lane, jobs, attempt }, i) => {
      const outcome = outcomes?.[i];
      if (!outcome) {
        // A failed round still answers every request waiting on it.
        this.answered(lane, jobs);
        for (const job of jobs) job.reject(failure);
        this.release(lane);
      } else if ('retry' in outcome) {
        lane.retry = { jobs, attempt: attempt + 1 };
        if (outcome.retry.backoff) setTimeout(() => this.release(lane), Math.random() * 2 ** attempt);
        else this.release(lane);
      } else {
        this.answered(lane, jobs);
        jobs.forEach((job, j) => {
          const result = outcome.results[j]!;
          if (result instanceof OperationFailed) job.reject(result.error);
          else job.resolve(result);
        });
        this.release(lane);
      }
    });
    this.running--;
    this.pump();
    this.notifyIfIdle();
  }

  /** `jobs` leave the lane for good (answered): they no longer count among its locking operations. */
  private answered(lane: Lane<Op, Result>, jobs: readonly Job<Op, Result>[]): void {
    const needsLock = this.options.needsLock;
    if (needsLock && lane.locking > 0) lane.locking -= jobs.filter((job) => needsLock(job.op)).length;
  }

  /** The lane's batch is done (or its back-off is over): it is ready again if it has work, else it goes. */
  private release(lane: Lane<Op, Result>): void {
    lane.busy = false;
    if (lane.retry || lane.queued.length > 0) {
      this.ready.add(lane.key);
      this.schedule();
    } else {
      this.lanes.delete(lane.key);
      this.notifyIfIdle();
    }
  }

  private notifyIfIdle(): void {
    if (this.lanes.size > 0 || this.running > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
