import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BalanceUpdated } from '../src/modules/balance/balance.types.js';
import type { LaneMemo } from '../src/modules/balance/keyed-batch-queue.js';
import type { UserState } from '../src/modules/users/user.entity.js';
import { insertUser, ledgerViolations, query, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});

afterAll(async () => {
  await t?.close();
});

async function stateOf(userId: string): Promise<UserState> {
  const [row] = await query<{ balance: string; version: number; created_at: Date; updated_at: Date }>(
    t.orm,
    'select balance, version, created_at, updated_at from users where id = ?',
    [Number(userId)],
  );
  return {
    id: Number(userId),
    balance: Number(row!.balance),
    version: row!.version,
    createdAt: row!.created_at,
    updatedAt: row!.updated_at,
  };
}

/** What another process would do: change the balance (with its ledger row) behind this process's back. */
async function changeElsewhere(userId: string, amount: number): Promise<void> {
  await query(
    t.orm,
    `with u as (update users set balance = balance + ?, version = version + 1 where id = ? returning id, balance)
     insert into ledger_entries (user_id, amount, balance_after, kind) select id, ?, balance, 'UPDATE' from u`,
    [amount, Number(userId), amount],
  );
}

describe('a lane that remembers a stale state', () => {
  it('detects the stale version on write and re-decides against a fresh read', async () => {
    const userId = await insertUser(t.orm, 100);
    const memo: LaneMemo<UserState> = { value: await stateOf(userId) };
    await changeElsewhere(userId, -95);
    const conflictsBefore = t.app.balances.stats().versionConflicts;

    const [result] = await t.app.balances.applyBatch(Number(userId), [-10], memo);

    // From memory (100) it would have succeeded; the truth is 5.
    expect(result).toMatchObject({ code: 'INSUFFICIENT_FUNDS', balance: 5, requested: 10 });
    expect(t.app.balances.stats().versionConflicts).toBe(conflictsBefore + 1);
    expect(memo.value).toMatchObject({ balance: 5, version: 2 });
  });

  it('never rejects on memory alone: a refusal is checked against a fresh read', async () => {
    const userId = await insertUser(t.orm, 10);
    const memo: LaneMemo<UserState> = { value: await stateOf(userId) };
    await changeElsewhere(userId, 50);

    const [result] = await t.app.balances.applyBatch(Number(userId), [-30], memo);

    expect(result).toBeInstanceOf(BalanceUpdated);
    expect(result).toMatchObject({ balance: 30, amount: -30 });
    expect(memo.value).toMatchObject({ balance: 30, version: 3 });
  });

  it('writes from memory when nobody else wrote: one statement, no conflict', async () => {
    const userId = await insertUser(t.orm, 10);
    const memo: LaneMemo<UserState> = { value: await stateOf(userId) };
    const conflictsBefore = t.app.balances.stats().versionConflicts;

    const results = await t.app.balances.applyBatch(Number(userId), [-4, -4, -4, 7], memo);

    expect(results.map((r) => ('code' in r ? r.code : r.balance))).toEqual([6, 2, 'INSUFFICIENT_FUNDS', 9]);
    expect(t.app.balances.stats().versionConflicts).toBe(conflictsBefore);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });
});
