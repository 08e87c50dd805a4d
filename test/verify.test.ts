import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceMutations } from './balance-mutations.js';
import { insertUser, query, startTestApp, type TestApp } from './helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

/** `npm run verify` as an operator runs it, against the test database. */
async function verify(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/verify.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: t.databaseUrl, NODE_ENV: 'test' },
    });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('npm run verify', () => {
  it('reports a consistent database and exits 0', async () => {
    const userId = await insertUser(t.orm, 50);
    const balances = balanceMutations(t.client);
    await Promise.all([balances.update(userId, -20), balances.update(userId, 5, 'k1'), balances.set(userId, 7)]);
    const { code, stdout } = await verify();
    expect(code).toBe(0);
    expect(stdout).toMatch(/: 2 users, \d+ ledger entries/);
    expect(stdout).toContain('ok   balance-after-chain');
    expect(stdout).toContain('all invariants hold');
    expect(stdout).not.toContain(t.databaseUrl);
  });

  it('finds each kind of violation and exits 1', async () => {
    const [tampered, negative, held, ended, limited, closed] = await Promise.all(
      [10, 10, 10, 10, 10, 10].map((balance) => insertUser(t.orm, balance)),
    );
    // What the schema itself forbids (the users' rules trigger) is turned off first, to show verify catches it on
    // a database without it.
    await query(t.orm, 'alter table users disable trigger user');
    await query(t.orm, 'update users set balance = balance + 1 where id = ?', [tampered]);
    // Spent below the minimum (0); debited past a daily limit of 5; credited after its closing.
    const entry = (userId: string, amount: number, balanceAfter: number, kind: string, details: object | null = null) =>
      query(
        t.orm,
        `insert into ledger_entries (user_id, amount, balance_after, kind, details) values (?, ?, ?, ?, ?::jsonb)`,
        [userId, amount, balanceAfter, kind, details && JSON.stringify(details)],
      );
    await entry(negative, -13, -3, 'WITHDRAWAL');
    const rules = { minBalance: 0, maxBalance: null, dailyDebitLimit: null, status: 'ACTIVE', actor: 'admin' };
    await entry(limited, 0, 10, 'LIMITS', { ...rules, dailyDebitLimit: 5 });
    await entry(limited, -8, 2, 'WITHDRAWAL');
    await query(t.orm, 'update users set balance = 2, version = version + 2 where id = ?', [limited]);
    await entry(closed, 0, 10, 'STATUS', { ...rules, status: 'CLOSED' });
    await entry(closed, 1, 11, 'DEPOSIT');
    await query(t.orm, 'update users set balance = 11, version = version + 2 where id = ?', [closed]);
    // Credits held without an open hold (nor a ledger entry), and a hold captured without its entries.
    await query(t.orm, 'update users set held = 5 where id = ?', [held]);
    await query(
      t.orm,
      `insert into holds (user_id, amount, status, captured, expires_at, ended_at)
       values (?, 5, 'CAPTURED', 5, now(), now())`,
      [ended],
    );
    await query(t.orm, `update users set balance = -3 where id = ?`, [negative]);
    await query(t.orm, 'drop index ledger_entries_key_space_unique');
    await query(
      t.orm,
      `insert into ledger_entries (user_id, amount, balance_after, kind, idempotency_key, key_space, request_digest)
       values (?, 0, 11, 'SET', 'twice', 'staff', 'a'), (?, 0, 11, 'SET', 'twice', 'staff', 'b')`,
      [tampered, tampered],
    );
    // A key recorded as refused beside its entry (the engine decides both under the row lock: never both).
    await query(
      t.orm,
      `insert into refused_requests (user_id, key_space, idempotency_key, request_digest, refusal)
       values (?, 'staff', 'twice', 'a', '{"type": "InsufficientFunds"}')`,
      [tampered],
    );
    await query(t.orm, `insert into ledger_entries (user_id, amount, balance_after, kind) values (?, 0, 99, 'SET')`, [
      tampered,
    ]);

    const { code, stdout } = await verify('--json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { ok: boolean; violations: { invariant: string; userId: number }[] };
    expect(report.ok).toBe(false);
    const found = new Set(report.violations.map((v) => `${v.invariant} ${v.userId}`));
    expect(found).toEqual(
      new Set([
        `balance-equals-ledger ${tampered}`,
        `within-limits ${negative}`,
        `daily-debit-limit ${limited}`,
        `account-status ${closed}`,
        `balance-after-chain ${tampered}`,
        `unique-idempotency-key ${tampered}`,
        `refused-or-applied ${tampered}`,
        `held-equals-open-holds ${held}`,
        `held-after-chain ${held}`,
        `hold-endings ${ended}`,
      ]),
    );
  });
});
