import { describe, expect, it } from 'vitest';
import {
  OperationFailed,
  RoundQueue,
  type BatchOutcome,
  type Round,
  type RoundQueueOptions,
} from '../src/engine/round-queue.js';

type Answer = (round: Round<number>) => BatchOutcome<number>[];

/** A processor whose rounds complete only when the test answers them. */
function controlledProcessor() {
  const rounds: { round: Round<number>; answer: (answer?: Answer | Error) => void }[] = [];
  const waiters: (() => void)[] = [];
  const timesTen: Answer = (round) => round.batches.map((b) => ({ results: b.ops.map((op) => op * 10) }));
  const processor = (round: Round<number>) =>
    new Promise<BatchOutcome<number>[]>((resolve, reject) => {
      rounds.push({
        round,
        answer: (answer = timesTen) => (answer instanceof Error ? reject(answer) : resolve(answer(round))),
      });
      waiters.splice(0).forEach((wake) => wake());
    });
  const nextRound = async (index: number) => {
    while (rounds.length <= index) await new Promise<void>((resolve) => waiters.push(resolve));
    return rounds[index]!;
  };
  const batches = (round: Round<number>) => round.batches.map((b) => [b.key, [...b.ops], b.attempt]);
  return { processor, rounds, nextRound, batches };
}

const options: RoundQueueOptions<number> = {
  maxBatchSize: 100,
  maxRoundOperations: 1000,
  maxConcurrentRounds: 1,
  lockedAttempt: 3,
};

describe('RoundQueue', () => {
  it('writes the work of many users in one round, and per user in arrival order', async () => {
    const { processor, nextRound, batches } = controlledProcessor();
    const queue = new RoundQueue(processor, options);
    const results = [queue.submit(2, 1), queue.submit(1, 2), queue.submit(2, 3), queue.submit(3, 4)];
    const first = await nextRound(0);
    expect(batches(first.round)).toEqual([
      [1, [2], 1],
      [2, [1, 3], 1],
      [3, [4], 1],
    ]);
    first.answer();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
    await queue.whenIdle();
    expect(queue.activeLanes).toBe(0);
  });

  it('starts a new round only when a slot is free; what arrives meanwhile forms the next round', async () => {
    const { processor, nextRound, batches, rounds } = controlledProcessor();
    const queue = new RoundQueue(processor, options);
    const first = queue.submit(1, 1);
    const round1 = await nextRound(0);
    const later = [queue.submit(1, 2), queue.submit(2, 3), queue.submit(1, 4)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(rounds).toHaveLength(1); // one slot, and it is busy
    round1.answer();
    expect(await first).toBe(10);
    const round2 = await nextRound(1);
    expect(batches(round2.round)).toEqual([
      [1, [2, 4], 1],
      [2, [3], 1],
    ]);
    round2.answer();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
  });

  it('a batch that lost a race goes again before what queued behind it, locked from lockedAttempt on', async () => {
    const { processor, nextRound, batches } = controlledProcessor();
    const queue = new RoundQueue(processor, options);
    const results = [queue.submit(1, 1), queue.submit(2, 2)];
    const round1 = await nextRound(0);
    const behind = queue.submit(1, 3);
    // User 1 lost its race; user 2 is answered at once.
    round1.answer((round) =>
      round.batches.map((b) => (b.key === 1 ? { retry: { backoff: false } } : { results: [20] })),
    );
    expect(await results[1]).toBe(20);
    const round2 = await nextRound(1);
    expect(batches(round2.round)).toEqual([[1, [1], 2]]);
    round2.answer(() => [{ retry: { backoff: true } }]);
    const round3 = await nextRound(2);
    expect(round3.round.locked).toBe(true);
    expect(batches(round3.round)).toEqual([[1, [1], 3]]);
    round3.answer();
    const round4 = await nextRound(3);
    expect(batches(round4.round)).toEqual([[1, [3], 1]]);
    round4.answer();
    expect(await Promise.all([results[0], behind])).toEqual([10, 30]);
  });

  it('a failed round answers every request in it; an OperationFailed fails its operation alone', async () => {
    const { processor, nextRound } = controlledProcessor();
    const queue = new RoundQueue(processor, options);
    const failing = [queue.submit(1, 1), queue.submit(2, 2)];
    (await nextRound(0)).answer(new Error('database gone'));
    await expect(failing[0]).rejects.toThrow('database gone');
    await expect(failing[1]).rejects.toThrow('database gone');
    const mixed = [queue.submit(1, 3), queue.submit(1, 4)];
    (await nextRound(1)).answer(() => [{ results: [30, new OperationFailed(new Error('refused'))] }]);
    expect(await mixed[0]).toBe(30);
    await expect(mixed[1]).rejects.toThrow('refused');
    await queue.whenIdle();
  });

  it('respects the per-user batch cap and runs several rounds at once up to maxConcurrentRounds', async () => {
    const { processor, nextRound, batches, rounds } = controlledProcessor();
    const queue = new RoundQueue(processor, { ...options, maxBatchSize: 2, maxConcurrentRounds: 2 });
    const results = [1, 2, 3].map((op) => queue.submit(1, op));
    results.push(queue.submit(2, 4));
    const round1 = await nextRound(0);
    expect(batches(round1.round)).toEqual([
      [1, [1, 2], 1],
      [2, [4], 1],
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(rounds).toHaveLength(1); // user 1's next batch waits for its first: one batch per user in flight
    const other = queue.submit(3, 5);
    const round2 = await nextRound(1); // a second slot serves user 3 meanwhile
    expect(batches(round2.round)).toEqual([[3, [5], 1]]);
    round2.answer();
    expect(await other).toBe(50);
    round1.answer();
    (await nextRound(2)).answer();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40]);
  });
});
