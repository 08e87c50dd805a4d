import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBurst } from '../client/burst.js';
import { createTestDatabase, ledgerViolations, query, useTestApp } from './helpers.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const t = useTestApp();

beforeAll(async () => {
  // More users than one chunk of the walk.
  await query(t.orm, `insert into users (balance) select 0 from generate_series(1, 2499)`);
});

async function grantEntries(day: string): Promise<{ entries: number; users: number }> {
  const [row] = await query<{ entries: string; users: string }>(
    t.orm,
    `select count(*) as entries, count(distinct user_id) as users from ledger_entries
      where kind = 'GRANT' and idempotency_key = ? and amount = 5`,
    [`grant:${day}`],
  );
  return { entries: Number(row!.entries), users: Number(row!.users) };
}

describe('daily credit grant', () => {
  it('credits every user once per day, however often it runs', async () => {
    const first = await t.app.grants.grantDay('2026-01-01');
    expect(first).toEqual({ day: '2026-01-01', amount: 5, users: 2500, granted: 2500, alreadyGranted: 0, failed: 0 });
    const again = await t.app.grants.grantDay('2026-01-01');
    expect(again).toMatchObject({ users: 2500, granted: 0, alreadyGranted: 2500 });
    expect(await grantEntries('2026-01-01')).toEqual({ entries: 2500, users: 2500 });
  });

  it('stays exact when three runs of one day race each other and user traffic', async () => {
    const [runs, burst] = await Promise.all([
      Promise.all([1, 2, 3].map(() => t.app.grants.grantDay('2026-01-02'))),
      runBurst({ urls: [t.url], userId: '1', amount: -2, requests: 2000 }),
    ]);
    expect(runs.reduce((sum, r) => sum + r.granted, 0)).toBe(2500);
    expect(runs.reduce((sum, r) => sum + r.failed, 0)).toBe(0);
    expect(await grantEntries('2026-01-02')).toEqual({ entries: 2500, users: 2500 });
    expect(burst.counts['BalanceUpdated']).toBe(2000); // 10000 + 2 grants of 5: every withdrawal fits
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });
});

describe('npm run grant', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'balance-grant-'));
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const grant = (day: string) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/grant.ts', '--date', day], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    });

  it('uses the embedded PostgreSQL a running server owns, and grants once per day', async () => {
    server = await startServerProcess({ DATA_DIR: dataDir, GRANT_ENABLED: 'false' });
    const first = await grant('2026-03-01');
    expect(first.stderr).toContain('using the embedded PostgreSQL already running');
    expect(JSON.parse(first.stdout.trim().split('\n').at(-1)!)).toMatchObject({ users: 1, granted: 1, failed: 0 });
    const second = await grant('2026-03-01');
    expect(JSON.parse(second.stdout.trim().split('\n').at(-1)!)).toMatchObject({ granted: 0, alreadyGranted: 1 });
    expect(await server.stop()).toBe(0);
  });

  it('starts and stops the embedded PostgreSQL itself when no server runs', async () => {
    const result = await grant('2026-03-02');
    expect(result.stderr).not.toContain('already running');
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toMatchObject({ users: 1, granted: 1 });
  });

  it('three commands at once on one database grant each user once', async () => {
    const databaseUrl = await createTestDatabase();
    const grantOn = () =>
      run(process.execPath, ['--import', 'tsx', 'scripts/grant.ts', '--date', '2026-04-01'], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
      });
    const outputs = await Promise.all([grantOn(), grantOn(), grantOn()]);
    const summaries = outputs.map((output) => JSON.parse(output.stdout.trim().split('\n').at(-1)!));
    expect(summaries.reduce((sum, s) => sum + s.granted, 0)).toBe(1); // the seeded user
    expect(summaries.reduce((sum, s) => sum + s.granted + s.alreadyGranted, 0)).toBe(3);
  });

  it('refuses a malformed date', async () => {
    await expect(grant('2026-02-30')).rejects.toMatchObject({ code: 2 });
  });
});
