import 'reflect-metadata';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { balanceMutations } from './balance-mutations.js';
import { Sql } from '../src/db/sql.js';
import { SqlBalanceStore } from '../src/db/balance-store.js';
import { LedgerEntryKind } from '../src/core/ledger.js';
import type { UserState } from '../src/core/user.js';
import { insertUser, ledgerViolations, query, useTestApp } from './helpers.js';

const t = useTestApp();
const m = () => balanceMutations(t.client);

/** Runs SQL behind the service's back in one transaction, with the ledger's immutability triggers off. */
async function behindTheServicesBack(statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: t.databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    // As a restore does: the whole database goes back, ledger included (replica role: no triggers fire).
    await client.query('set local session_replication_role = replica');
    for (const statement of statements) await client.query(statement);
    await client.query('commit');
  } finally {
    await client.end();
  }
}

async function userRow(userId: string) {
  const [row] = await query<{ balance: string; version: number }>(
    t.orm,
    'select balance, version from users where id = ?',
    [Number(userId)],
  );
  return { balance: Number(row!.balance), version: row!.version };
}

describe('group commit: many users in one round', () => {
  it('writes the concurrent work of many users in far fewer transactions than batches, each exactly', async () => {
    const users = await Promise.all(Array.from({ length: 40 }, () => insertUser(t.orm, 100)));
    const before = t.app.balances.stats();
    const answers = await Promise.all(
      users.flatMap((userId, i) => [m().deposit(userId, i + 1), m().withdraw(userId, 30), m().withdraw(userId, 90)]),
    );
    const stats = t.app.balances.stats();
    // Per user, in order: +i+1, -30, then -90 only fits when the balance reached 90 (never: 100 + 40 - 30 = 110).
    answers.forEach((answer, n) => {
      const i = Math.floor(n / 3);
      const expected = [100 + i + 1, 100 + i + 1 - 30, 100 + i + 1 - 120][n % 3]!;
      if (expected < 0) expect(answer.__typename).toBe('InsufficientFunds');
      else expect(answer).toMatchObject({ __typename: 'BalanceUpdated', balance: expected });
    });
    expect(stats.operations - before.operations).toBe(120);
    expect(stats.rounds - before.rounds).toBeLessThan(stats.batches - before.batches);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });
});

describe("a user's first batch in a process (nothing remembered)", () => {
  it('is written without a read when every change fits, and decided after a read when one does not', async () => {
    const [fits, tight, missing] = [await insertUser(t.orm, 1000), await insertUser(t.orm, 1000), '999999'];
    const answers = await Promise.all([
      m().withdraw(fits, 300),
      m().withdraw(fits, 300),
      m().withdraw(tight, 600),
      m().withdraw(tight, 600),
      m().deposit(missing, 5),
    ]);
    expect(answers.map((a) => ('balance' in a ? `${a.__typename} ${a.balance}` : a.__typename))).toEqual([
      'BalanceUpdated 700',
      'BalanceUpdated 400',
      'BalanceUpdated 400',
      'InsufficientFunds 400',
      'UserNotFound',
    ]);
    expect(answers[1]).toMatchObject({ user: { version: 3, balance: 400 } });
    expect(await userRow(tight)).toEqual({ balance: 400, version: 2 });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('adds to whatever the row holds, even a change made behind its back', async () => {
    const userId = await insertUser(t.orm, 10);
    await query(
      t.orm,
      `with u as (update users set balance = balance + 40 where id = ? returning id, balance)
       insert into ledger_entries (user_id, amount, balance_after, kind) select id, 40, balance, 'UPDATE' from u`,
      [Number(userId)],
    );
    expect(await m().withdraw(userId, 45)).toMatchObject({ balance: 5, amount: -45 });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });
});

/**
 * A user the service remembers at 90 (version 2), then restored from a backup taken before that withdrawal
 * (100, version 1, its ledger row gone), then another process withdrew 50: the row is at version 2 again, with
 * 50 instead of the 90 the service remembers.
 */
async function restoredBehindTheServicesBack(): Promise<string> {
  const userId = await insertUser(t.orm, 100); // 100, version 1
  expect(await m().withdraw(userId, 10)).toMatchObject({ balance: 90, user: { version: 2 } });
  await behindTheServicesBack([
    `delete from ledger_entries where user_id = ${Number(userId)} and kind = 'WITHDRAWAL'`,
    `update users set balance = 100, version = 1 where id = ${Number(userId)}`,
  ]);
  await query(
    t.orm,
    `with u as (update users set balance = balance - 50, version = version + 1 where id = ? returning id, balance)
     insert into ledger_entries (user_id, amount, balance_after, kind) select id, -50, balance, 'UPDATE' from u`,
    [Number(userId)],
  );
  expect(await userRow(userId)).toEqual({ balance: 50, version: 2 });
  return userId;
}

describe('writes that cannot be fooled', () => {
  it('a restore that puts a user back at a version it had, with another balance, is never written over', async () => {
    const userId = await restoredBehindTheServicesBack();

    // From memory (90) this withdrawal fits; the truth is 50.
    expect(await m().withdraw(userId, 60)).toMatchObject({ __typename: 'InsufficientFunds', balance: 50 });
    expect(await m().withdraw(userId, 20)).toMatchObject({ balance: 30, user: { version: 3 } });
    expect(await userRow(userId)).toEqual({ balance: 30, version: 3 });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('the same restore under a batch decided from memory (partly refused): the balance in the guard catches it', async () => {
    const userId = await restoredBehindTheServicesBack();
    // One batch (one tick): from memory (90) the 40 fits and the 60 then does not, so it is decided against the
    // memory and guarded by it; the row is at the same version with 50.
    const answers = await Promise.all([t.app.balances.withdraw(userId, 40), t.app.balances.withdraw(userId, 60)]);
    expect(answers).toMatchObject([
      { amount: -40, balance: 10, user: { balance: 10, version: 3 } },
      { code: 'INSUFFICIENT_FUNDS', balance: 10, requested: 60 },
    ]);
    expect(await userRow(userId)).toEqual({ balance: 10, version: 3 });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it("an operator's update that does not move the version is never lost", async () => {
    const userId = await insertUser(t.orm, 100);
    expect(await m().withdraw(userId, 10)).toMatchObject({ balance: 90 }); // remembered: 90
    await query(
      t.orm,
      `with u as (update users set balance = balance + 1000 where id = ? returning id, balance)
       insert into ledger_entries (user_id, amount, balance_after, kind) select id, 1000, balance, 'UPDATE' from u`,
      [Number(userId)],
    );
    expect(await m().withdraw(userId, 5)).toMatchObject({ balance: 1085 });
    expect(await m().withdraw(userId, 1000)).toMatchObject({ balance: 85 });
    expect((await userRow(userId)).balance).toBe(85);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('a set-balance or reset decided while memory is stale lands exactly on its value, never relatively', async () => {
    // Each user remembered at 90 (version 2); then another process deposits 50 (140, version 3).
    const [set, reset, mixed] = [
      await insertUser(t.orm, 100),
      await insertUser(t.orm, 100),
      await insertUser(t.orm, 100),
    ];
    for (const userId of [set, reset, mixed]) expect(await m().withdraw(userId, 10)).toMatchObject({ balance: 90 });
    await query(
      t.orm,
      `with u as (update users set balance = balance + 50, version = version + 1
                   where id in (select jsonb_array_elements_text(?::jsonb)::integer) returning id, balance)
       insert into ledger_entries (user_id, amount, balance_after, kind) select id, 50, balance, 'DEPOSIT' from u`,
      [JSON.stringify([set, reset, mixed].map(Number))],
    );
    // A SET written as "balance + (7 - 90)" from memory would leave 57; the ledger must record -133.
    expect(await m().set(set, 7, 'sync')).toMatchObject({ amount: -133, balance: 7, user: { version: 4 } });
    expect(await m().reset(reset)).toMatchObject({ amount: -140, balance: 0, user: { version: 4 } });
    // In one batch with withdrawals around it: each decided against the true 140.
    const answers = await Promise.all([
      t.app.balances.withdraw(mixed, 5),
      t.app.balances.setBalance(mixed, 20, null),
      t.app.balances.withdraw(mixed, 1),
    ]);
    expect(answers).toMatchObject([{ balance: 135 }, { amount: -115, balance: 20 }, { balance: 19 }]);
    expect((await Promise.all([set, reset, mixed].map(userRow))).map((row) => row.balance)).toEqual([7, 0, 19]);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('the guarded write itself: a decision lands only on the exact balance and version it was made against', async () => {
    const userId = Number(await insertUser(t.orm, 100));
    const store = new SqlBalanceStore(new Sql(t.orm));
    const [state] = [...(await store.transaction((tx) => store.load(tx, [userId]))).values()];
    // A withdrawal of 80 decided against `expected`; it would fit the row's range whatever the guard says.
    const attempt = (expected: UserState) =>
      store.transaction((tx) =>
        store.write(tx, [
          {
            userId,
            expected,
            entries: [
              {
                amount: -80,
                balanceAfter: expected.balance - 80,
                held: 0,
                heldAfter: expected.held,
                kind: LedgerEntryKind.WITHDRAWAL,
                reason: null,
                idempotencyKey: null,
              },
            ],
          },
        ]),
      );
    // The right version with another balance (a restore, an operator), another version with the right balance.
    expect((await attempt({ ...state!, balance: 1000 })).size).toBe(0);
    expect((await attempt({ ...state!, version: state!.version + 1 })).size).toBe(0);
    expect(await userRow(String(userId))).toEqual({ balance: 100, version: 1 });
    const written = await attempt(state!);
    expect(written.get(userId)?.state).toMatchObject({ balance: 20, version: 2 });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('the same holds for users that share a round with others', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, () => insertUser(t.orm, 100)));
    await Promise.all(users.map((userId) => m().withdraw(userId, 10))); // each remembered at 90
    const fooled = users.filter((_, i) => i % 2 === 0).map(Number);
    await query(
      t.orm,
      `with u as (update users set balance = balance - 85 where id in (select jsonb_array_elements_text(?::jsonb)::integer)
                  returning id, balance)
       insert into ledger_entries (user_id, amount, balance_after, kind) select id, -85, balance, 'UPDATE' from u`,
      [JSON.stringify(fooled)],
    );
    const answers = await Promise.all(users.map((userId) => m().withdraw(userId, 50)));
    answers.forEach((answer, i) => {
      if (i % 2 === 0) expect(answer).toMatchObject({ __typename: 'InsufficientFunds', balance: 5 });
      else expect(answer).toMatchObject({ __typename: 'BalanceUpdated', balance: 40 });
    });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });
});
