import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { userNotFound } from '../src/core/refusals.js';
import { LedgerEntryKind, type LedgerEntryState } from '../src/core/ledger.js';
import type { BalanceChangeState } from '../src/modules/live/balance-change.types.js';
import { changesOf, parseNotice } from '../src/modules/live/balance-feed.js';
import { ChangeQueue, type BalanceMessage } from '../src/modules/live/change-queue.js';

const at = new Date(0);
const entry = (id: number, amount: number, balanceAfter: number): LedgerEntryState => ({
  id,
  userId: 7,
  amount,
  balanceAfter,
  kind: LedgerEntryKind.UPDATE,
  reason: null,
  idempotencyKey: null,
  counterpartyId: null,
  transferId: null,
  heldAfter: 0,
  holdId: null,
  createdAt: at,
});
const state = (version: number, balance: number): BalanceChangeState => ({
  userId: 7,
  balance,
  held: 0,
  available: balance,
  status: 'ACTIVE',
  version,
  entry: null,
  at,
});
const changed = (version: number, balance: number): BalanceChangeState => ({
  ...state(version, balance),
  entry: entry(version, -1, balance),
});

async function drain(queue: ChangeQueue, count: number): Promise<BalanceMessage[]> {
  const out: BalanceMessage[] = [];
  for (let i = 0; i < count; i++) {
    const next = await queue.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}
const versions = (messages: BalanceMessage[]) => messages.map((m) => ('version' in m ? m.version : m.code));

describe('ChangeQueue (one subscriber)', () => {
  it('sends the first state, then only the changes it does not include, in order', async () => {
    const queue = new ChangeQueue(10, () => undefined);
    queue.push([changed(5, 95), changed(6, 94)]);
    queue.start(state(5, 95));
    queue.push([changed(6, 94)]); // heard twice: not news
    queue.push([changed(6, 94), changed(7, 93)]);
    expect(versions(await drain(queue, 3))).toEqual([5, 6, 7]);
  });

  it('replaces a full backlog by the newest state: bounded memory, the latest balance, a visible gap', async () => {
    let ended = 0;
    const queue = new ChangeQueue(3, () => ended++);
    queue.start(state(1, 100));
    for (let v = 2; v <= 1000; v++) queue.push([changed(v, 101 - v)]);
    queue.end(); // what is queued is still sent
    const messages = await drain(queue, 10);
    expect(messages.length).toBeLessThanOrEqual(3);
    expect(messages.at(-1)).toMatchObject({ version: 1000, balance: -899 });
    expect(queue.skipped).toBeGreaterThan(990);
    expect(ended).toBe(1);
  });

  it('sends fresh changes one by one, and what was heard of too long ago as the newest state alone', async () => {
    const queue = new ChangeQueue(100, () => undefined, 25);
    queue.start(state(1, 100));
    queue.push([changed(2, 99), changed(3, 98)]);
    expect(await drain(queue, 3)).toMatchObject([{ version: 1 }, { version: 2, entry: { id: 2 } }, { version: 3 }]);
    // Heard of 1 s ago (a busy process, a slow read): older than the 25 ms a message may wait.
    queue.push([changed(4, 97), changed(5, 96), changed(6, 95)], performance.now() - 1000);
    expect(await drain(queue, 1)).toEqual([{ ...state(6, 95) }]);
    expect(queue.skipped).toBe(2);
    // One change alone is the latest already: sent with its entry however late.
    queue.push([changed(7, 94)], performance.now() - 1000);
    expect(await drain(queue, 1)).toMatchObject([{ version: 7, entry: { id: 7 } }]);
  });

  it('gives every subscriber that falls behind the same state object (one GraphQL execution for all)', async () => {
    const queues = [1, 2, 3].map(() => new ChangeQueue(100, () => undefined, 25));
    const changes = [changed(2, 99), changed(3, 98)];
    for (const queue of queues) {
      queue.start(state(1, 100));
      queue.push(changes, performance.now() - 1000);
    }
    const [a, b, c] = await Promise.all(queues.map(async (queue) => (await drain(queue, 2))[1]));
    expect(a).toMatchObject({ version: 3, entry: null });
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it('ends a waiting pull when the subscriber leaves, and counts the end once', async () => {
    let ended = 0;
    const queue = new ChangeQueue(3, () => ended++);
    queue.start(state(1, 1));
    await queue.next();
    const waiting = queue.next();
    await queue.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    queue.end();
    expect(ended).toBe(1);
  });

  it('ends with UserNotFound, or fails the pull when the first state cannot be read', async () => {
    const missing = new ChangeQueue(3, () => undefined);
    missing.push([changed(2, 1)]);
    missing.end(userNotFound('7'));
    expect(versions(await drain(missing, 5))).toEqual(['USER_NOT_FOUND']);

    const broken = new ChangeQueue(3, () => undefined);
    const pull = broken.next();
    broken.fail(new Error('database away'));
    await expect(pull).rejects.toThrow('database away');
  });
});

describe('notifications to messages', () => {
  it('parses the trigger payload and refuses anything else', () => {
    expect(parseNotice('7,12,100,103,3', 42)).toEqual({
      userId: 7,
      version: 12,
      firstEntryId: 100,
      lastEntryId: 103,
      entries: 3,
      heardAt: 42,
    });
    for (const bad of ['', '7,12,100,103', '7,x,1,2,3', '1,2,3,4,5,6']) expect(parseNotice(bad)).toBeUndefined();
  });

  it('gives each entry its version (one per change, ending at the announced one)', () => {
    const notices = [
      { userId: 7, version: 4, firstEntryId: 10, lastEntryId: 12, entries: 2, heardAt: 0 },
      { userId: 7, version: 5, firstEntryId: 20, lastEntryId: 20, entries: 1, heardAt: 0 },
    ];
    const changes = changesOf(notices, [entry(10, -1, 9), entry(12, -1, 8), entry(20, 5, 13)]);
    expect(changes.map((c) => [c.version, c.balance, c.entry?.id])).toEqual([
      [3, 9, 10],
      [4, 8, 12],
      [5, 13, 20],
    ]);
  });

  it('turns a notice whose entries do not all come back into the state after it, never a wrong version', () => {
    const changes = changesOf(
      [{ userId: 7, version: 9, firstEntryId: 1, lastEntryId: 3, entries: 3, heardAt: 0 }],
      [entry(3, 1, 50)],
    );
    expect(changes).toEqual([
      { userId: 7, balance: 50, held: 0, available: 50, status: 'ACTIVE', version: 9, entry: null, at },
    ]);
  });
});
