import { describe, expect, it } from 'vitest';
import { planRound, type PlannedBatch, type ReadyLane, type RoundLimits } from '../src/engine/round-planner.js';

const limits: RoundLimits = { maxBatchSize: 3, maxRoundOperations: 5, lockedAttempt: 4 };
const lane = (
  key: number,
  queued: number,
  retry?: { size: number; attempt: number },
  needsLock = false,
): ReadyLane => ({ key, queued, retry, needsLock });

type Expected = { locked: boolean; batches: Omit<PlannedBatch, 'locked'>[] } | undefined;

describe('planRound', () => {
  const cases: { name: string; ready: ReadyLane[]; expected: Expected }[] = [
    { name: 'nothing ready: no round', ready: [], expected: undefined },
    {
      name: 'one batch per user, its oldest operations first, at most maxBatchSize of them',
      ready: [lane(7, 10)],
      expected: { locked: false, batches: [{ key: 7, size: 3, attempt: 1, retry: false }] },
    },
    {
      name: 'users in ascending id order (the order rows are locked in), whatever their order in the queue',
      ready: [lane(9, 1), lane(2, 1), lane(5, 1)],
      expected: {
        locked: false,
        batches: [
          { key: 2, size: 1, attempt: 1, retry: false },
          { key: 5, size: 1, attempt: 1, retry: false },
          { key: 9, size: 1, attempt: 1, retry: false },
        ],
      },
    },
    {
      name: 'a retried batch goes again as it was, before what queued behind it',
      ready: [lane(3, 8, { size: 2, attempt: 2 })],
      expected: { locked: false, batches: [{ key: 3, size: 2, attempt: 2, retry: true }] },
    },
    {
      name: 'the round size cap: a lane that does not fit waits, a smaller one behind it still goes',
      ready: [lane(1, 3), lane(2, 3), lane(3, 2)],
      expected: {
        locked: false,
        batches: [
          { key: 1, size: 3, attempt: 1, retry: false },
          { key: 3, size: 2, attempt: 1, retry: false },
        ],
      },
    },
    {
      name: 'the oldest lane always goes, even alone over the cap',
      ready: [lane(4, 3)],
      expected: { locked: false, batches: [{ key: 4, size: 3, attempt: 1, retry: false }] },
    },
    {
      name: 'a batch on its last attempt goes in a locked round; optimistic ones wait for the next round',
      ready: [lane(6, 0, { size: 1, attempt: 4 }), lane(1, 1), lane(8, 0, { size: 2, attempt: 5 })],
      expected: {
        locked: true,
        batches: [
          { key: 6, size: 1, attempt: 4, retry: true },
          { key: 8, size: 2, attempt: 5, retry: true },
        ],
      },
    },
    {
      name: 'a user whose batch keeps failing does not hold back the others: they go optimistic meanwhile',
      ready: [lane(1, 1), lane(6, 0, { size: 1, attempt: 4 }), lane(2, 2)],
      expected: {
        locked: false,
        batches: [
          { key: 1, size: 1, attempt: 1, retry: false },
          { key: 2, size: 2, attempt: 1, retry: false },
        ],
      },
    },
    {
      name: 'a batch with a transfer goes in a locked round whatever its attempt, with other locked batches',
      ready: [lane(3, 2, undefined, true), lane(1, 1), lane(2, 0, { size: 1, attempt: 4 })],
      expected: {
        locked: true,
        batches: [
          { key: 2, size: 1, attempt: 4, retry: true },
          { key: 3, size: 2, attempt: 1, retry: false },
        ],
      },
    },
  ];
  it.each(cases)('$name', ({ ready, expected }) => {
    // Every batch of a round has the round's mode.
    const withMode = expected && {
      ...expected,
      batches: expected.batches.map((batch) => ({ ...batch, locked: expected.locked })),
    };
    expect(planRound(ready, limits)).toEqual(withMode);
  });
});

describe('planRound at its edges', () => {
  it('a lane with nothing to send is passed over', () => {
    expect(planRound([lane(1, 0), lane(2, 1)], limits)).toEqual({
      locked: false,
      batches: [{ key: 2, size: 1, attempt: 1, retry: false, locked: false }],
    });
  });

  it('a batch larger than a round goes alone when it comes first; behind another it waits', () => {
    const wide: RoundLimits = { maxBatchSize: 10, maxRoundOperations: 5, lockedAttempt: 4 };
    expect(planRound([lane(4, 8)], wide)).toEqual({
      locked: false,
      batches: [{ key: 4, size: 8, attempt: 1, retry: false, locked: false }],
    });
    expect(planRound([lane(5, 1), lane(4, 8)], wide)?.batches.map((b) => b.key)).toEqual([5]);
  });
});
