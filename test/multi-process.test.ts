import { afterAll, describe, expect, it } from 'vitest';
import { runBurst } from '../client/burst.js';
import { initOrm, type Orm } from '../src/db/orm.js';
import { createTestDatabase, ledgerViolations, query } from './helpers.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const servers: ServerProcess[] = [];
let orm: Orm | undefined;

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await orm?.close(true);
});

describe('the reference test, three server processes on one database', () => {
  it('starts together (one migrates and seeds), then stays exact under 10,000 withdrawals spread over all three', async () => {
    const databaseUrl = await createTestDatabase();
    servers.push(...(await Promise.all([1, 2, 3].map(() => startServerProcess({ DATABASE_URL: databaseUrl })))));
    orm = await initOrm(databaseUrl, 2);
    expect(await query(orm, 'select id, balance from users')).toEqual([{ id: 1, balance: '10000' }]);

    const report = await runBurst({
      urls: servers.map((server) => server.url),
      userId: '1',
      amount: -2,
      requests: 10_000,
    });

    expect(report.counts).toEqual({ BalanceUpdated: 5000, InsufficientFunds: 5000 });
    expect(report.finalBalance).toBe(0);
    const [ledger] = await query<{ rows: string; total: string }>(
      orm,
      `select count(*) as rows, sum(amount) as total from ledger_entries where user_id = 1 and kind = 'UPDATE'`,
    );
    expect(ledger).toEqual({ rows: '5000', total: '-10000' });
    expect(await ledgerViolations(orm)).toEqual([]);

    // Graceful shutdown: every process exits 0 and reports how often its batches lost a version race.
    const exitCodes = await Promise.all(servers.map((server) => server.stop()));
    expect(exitCodes).toEqual([0, 0, 0]);
    const stats = servers.map(
      (server) => server.logs.find((line) => line.msg === 'stopped')?.stats as Record<string, number>,
    );
    const total = (field: string) => stats.reduce((sum, s) => sum + (s[field] ?? 0), 0);
    expect(total('operations')).toBe(10_000);
    expect(total('concurrentUpdates')).toBe(0);
    console.info(
      `3 processes: ${total('batches')} batches, ${total('versionConflicts')} version conflicts retried, ` +
        `${report.requestsPerSecond.toFixed(0)} requests/s`,
    );
  });
});
