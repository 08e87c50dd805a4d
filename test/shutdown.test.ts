import { afterAll, describe, expect, it } from 'vitest';
import { runBurst } from '../client/burst.js';
import { initOrm, type Orm } from '../src/db/orm.js';
import { createTestDatabase, ledgerViolations, query } from './helpers.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

let server: ServerProcess | undefined;
let orm: Orm | undefined;

afterAll(async () => {
  await server?.stop();
  await orm?.close(true);
});

describe('graceful shutdown in the middle of a burst', () => {
  it('commits and answers what it accepted, loses nothing, double-applies nothing, and exits 0', async () => {
    const databaseUrl = await createTestDatabase();
    server = await startServerProcess({ DATABASE_URL: databaseUrl });
    orm = await initOrm(databaseUrl, 2);
    let stopped: Promise<number | null> | undefined;

    const report = await runBurst({
      urls: [server.url],
      userId: '1',
      amount: -2,
      requests: 10_000,
      onProgress: (done) => {
        if (done === 1000) stopped = server!.stop();
      },
    });

    expect(await stopped).toBe(0);
    const ok = report.outcomes.filter((outcome) => outcome.__typename === 'BalanceUpdated');
    // Typed answers before the stop; afterwards only refused connections, never a wrong business answer.
    expect(Object.keys(report.counts).sort()).toEqual(expect.arrayContaining(['BalanceUpdated']));
    for (const kind of Object.keys(report.counts)) expect(['BalanceUpdated', 'NetworkError']).toContain(kind);
    expect(ok.length).toBeGreaterThanOrEqual(1000);

    // Every success the client saw is in the ledger, and every ledger row was answered: nothing the server
    // accepted was cut off by the shutdown.
    const rows = await query<{ id: string }>(
      orm,
      `select id from ledger_entries where user_id = 1 and kind = 'UPDATE'`,
    );
    const stored = new Set(rows.map((row) => String(row.id)));
    for (const outcome of ok)
      if (outcome.__typename === 'BalanceUpdated') expect(stored.has(outcome.entryId)).toBe(true);
    expect(rows.length).toBe(ok.length);
    const [user] = await query<{ balance: string }>(orm, 'select balance from users where id = 1');
    expect(Number(user!.balance)).toBe(10_000 - 2 * rows.length);
    expect(await ledgerViolations(orm)).toEqual([]);
    console.info(`shutdown mid-burst: ${JSON.stringify(report.counts)}, ${rows.length} ledger rows`);
    expect(server.logs.map((line) => line.msg)).toContain('stopped');
  });
});
