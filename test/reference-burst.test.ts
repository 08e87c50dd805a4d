import { describe, expect, it } from 'vitest';
import { runBurst } from '../client/burst.js';
import { ledgerViolations, query, useTestApp } from './helpers.js';

const t = useTestApp();

describe('the reference test, one server process', () => {
  it('10,000 concurrent withdrawals of 2 from 10000: exactly 5,000 succeed and 5,000 get InsufficientFunds', async () => {
    const report = await runBurst({ urls: [t.url], userId: '1', amount: -2, requests: 10_000 });

    expect(report.counts).toEqual({ BalanceUpdated: 5000, InsufficientFunds: 5000 });
    expect(report.finalBalance).toBe(0);

    // Every success has its own ledger row, and the rows are exactly the successes.
    const successes = report.outcomes.filter((outcome) => outcome.__typename === 'BalanceUpdated');
    const entryIds = new Set(successes.map((outcome) => outcome.entryId));
    expect(entryIds.size).toBe(5000);
    const [ledger] = await query<{ rows: string; total: string }>(
      t.orm,
      `select count(*) as rows, sum(amount) as total from ledger_entries where user_id = 1 and kind = 'UPDATE'`,
    );
    expect(ledger).toEqual({ rows: '5000', total: '-10000' });
    const stored = await query<{ id: string }>(
      t.orm,
      `select id from ledger_entries where user_id = 1 and kind = 'UPDATE'`,
    );
    expect(new Set(stored.map((row) => String(row.id)))).toEqual(entryIds);

    // The balances each success reported are 9998, 9996, ..., 0: each one once.
    const balances = successes.map((outcome) => outcome.__typename === 'BalanceUpdated' && outcome.balance);
    expect(new Set(balances).size).toBe(5000);
    expect(Math.min(...(balances as number[]))).toBe(0);

    expect(await ledgerViolations(t.orm)).toEqual([]);
    expect(t.app.balances.stats()).toMatchObject({ operations: 10_000, versionConflicts: 0, concurrentUpdates: 0 });
    expect(t.app.balances.activeLanes).toBe(0);
  });
});
