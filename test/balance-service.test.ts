import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../src/core/bounded-cache.js';
import { insertUser, ledgerViolations, query, useTestApp } from './helpers.js';

const t = useTestApp();

/** What another process would do: change the balance (with its ledger row) behind this process's back. */
async function changeElsewhere(userId: string, amount: number): Promise<void> {
  await query(
    t.orm,
    `with u as (update users set balance = balance + ?, version = version + 1 where id = ? returning id, balance)
     insert into ledger_entries (user_id, amount, balance_after, kind) select id, ?, balance, 'UPDATE' from u`,
    [amount, Number(userId), amount],
  );
}

const conflicts = () => t.app.balances.stats().versionConflicts;

describe('the remembered state of a user goes stale when another process writes', () => {
  it('a change that no longer fits is not written, and is re-decided against a fresh read', async () => {
    const userId = await insertUser(t.orm, 100);
    expect(await t.app.balances.updateBalance(userId, -1)).toMatchObject({ balance: 99 }); // remembers 99, v2
    await changeElsewhere(userId, -95);

    // From memory (99) this would succeed; the truth is 4. Written relatively, it does not fit, so nothing is
    // written and the refusal rests on a read.
    const result = await t.app.balances.updateBalance(userId, -10);

    expect(result).toMatchObject({ code: 'INSUFFICIENT_FUNDS', balance: 4, requested: 10 });
    expect(await t.app.balances.updateBalance(userId, -4)).toMatchObject({ balance: 0, user: { version: 4 } });
  });

  it('a batch the memory would partly refuse is guarded by that memory; a stale one fails the guard', async () => {
    const userId = await insertUser(t.orm, 100);
    expect(await t.app.balances.updateBalance(userId, -1)).toMatchObject({ balance: 99 }); // remembers 99, v2
    await changeElsewhere(userId, -95);
    const before = conflicts();

    // One batch (one tick): from memory, -50 fits and -60 does not; the guard (99, v2) fails on the row (4, v3).
    const results = await Promise.all([
      t.app.balances.updateBalance(userId, -50),
      t.app.balances.updateBalance(userId, -60),
    ]);

    expect(results).toMatchObject([
      { code: 'INSUFFICIENT_FUNDS', balance: 4, requested: 50 },
      { code: 'INSUFFICIENT_FUNDS', balance: 4, requested: 60 },
    ]);
    expect(conflicts()).toBe(before + 1);
  });

  it('never refuses on memory alone: a refusal is checked against a fresh read', async () => {
    const userId = await insertUser(t.orm, 10);
    expect(await t.app.balances.updateBalance(userId, -10)).toMatchObject({ balance: 0 }); // remembers 0
    await changeElsewhere(userId, 50);
    const before = conflicts();

    expect(await t.app.balances.updateBalance(userId, -30)).toMatchObject({ amount: -30, balance: 20 });
    expect(conflicts()).toBe(before); // the fresh read came first: nothing was written against the stale state
  });

  it('writes from memory when nobody else wrote, without conflicts', async () => {
    const userId = await insertUser(t.orm, 10);
    const before = conflicts();
    const results = await Promise.all(
      [-4, -4, -4, 7, -9].map((amount) => t.app.balances.updateBalance(userId, amount)),
    );
    expect(results.map((r) => ('code' in r ? r.code : r.type === 'BalanceUpdated' ? r.balance : r.type))).toEqual([
      6,
      2,
      'INSUFFICIENT_FUNDS',
      9,
      0,
    ]);
    expect(conflicts()).toBe(before);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });
});

describe('BoundedCache', () => {
  it('keeps at most its capacity, dropping the least recently used', () => {
    const cache = new BoundedCache<number, string>(2);
    cache.set(1, 'a');
    cache.set(2, 'b');
    expect(cache.get(1)).toBe('a'); // 1 is now the most recent
    cache.set(3, 'c');
    expect([cache.get(1), cache.get(2), cache.get(3)]).toEqual(['a', undefined, 'c']);
    cache.set(1, undefined);
    expect(cache.size).toBe(1);
    for (let i = 0; i < 100_000; i++) cache.set(i, String(i));
    expect(cache.size).toBe(2);
  });
});
