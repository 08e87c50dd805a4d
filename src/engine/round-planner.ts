/** What the planner needs to know of one lane (one user) that has work and no batch in flight. */
export interface ReadyLane {
  key: number;
  /** A batch that lost a race and goes again before anything queued behind it: its size and next attempt. */
  retry?: { size: number; attempt: number };
  /** Operations waiting behind it, in arrival order. */
  queued: number;
  /** The lane's next batch must be written locked whatever its attempt (it holds a transfer). */
  needsLock?: boolean;
}

export interface RoundLimits {
  /** Most operations of one user in one round. */
  maxBatchSize: number;
  /** Most operations in one round, over all its users. */
  maxRoundOperations: number;
  /** The attempt from which a batch is written under row locks (it cannot lose a race then). */
  lockedAttempt: number;
}

/** One user's part of a round: a retried batch as it was, or the first `size` queued operations. */
export interface PlannedBatch {
  key: number;
  size: number;
  attempt: number;
  retry: boolean;
  locked: boolean;
}

/**
 * Work written in one transaction: optimistic (balance and version guards) or locked (rows locked first: a
 * batch's last attempt, and every batch with a transfer, whose payee's row it also changes).
 */
export interface PlannedRound {
  locked: boolean;
  /** In ascending key order, the order in which rows are locked, so that two rounds cannot deadlock. */
  batches: PlannedBatch[];
}

function nextBatch(lane: ReadyLane, limits: RoundLimits): PlannedBatch {
  const [size, attempt] = lane.retry
    ? [lane.retry.size, lane.retry.attempt]
    : [Math.min(lane.queued, limits.maxBatchSize), 1];
  const locked = attempt >= limits.lockedAttempt || lane.needsLock === true;
  return { key: lane.key, size, attempt, retry: lane.retry !== undefined, locked };
}

/**
 * Picks the next round from the lanes that are ready, oldest first. One batch per user, in that user's order
 * (a retried batch before what queued behind it); the first lane always goes, so no lane waits forever;
 * lanes that do not fit (size cap) or need the other mode (locked or optimistic) wait for a later round,
 * keeping their place. Pure: no I/O, no clock.
 */
export function planRound(ready: Iterable<ReadyLane>, limits: RoundLimits): PlannedRound | undefined {
  let locked: boolean | undefined;
  let operations = 0;
  const batches: PlannedBatch[] = [];
  for (const lane of ready) {
    const batch = nextBatch(lane, limits);
    if (batch.size === 0) continue;
    locked ??= batch.locked;
    if (batch.locked !== locked) continue;
    if (batches.length > 0 && operations + batch.size > limits.maxRoundOperations) continue;
    batches.push(batch);
    operations += batch.size;
    if (operations >= limits.maxRoundOperations) break;
  }
  if (batches.length === 0) return undefined;
  batches.sort((a, b) => a.key - b.key);
  return { locked: locked!, batches };
}
