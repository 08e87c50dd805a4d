import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBurst } from '../client/burst.js';
import { SetAccountStatusDocument, SetLimitsDocument } from '../client/index.js';
import { balanceMutations } from './balance-mutations.js';
import { createTestDatabase, insertUser, ledgerViolations, query, startTestApp, useTestApp } from './helpers.js';
import { startServerProcess, startServers, type ServerCluster, type ServerProcess } from './server-process.js';

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
    expect(first).toEqual({
      day: '2026-01-01',
      amount: 5,
      users: 2500,
      granted: 2500,
      alreadyGranted: 0,
      refused: 0,
      failed: 0,
    });
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

describe('daily grant: keys, missed days, failures', () => {
  it("a client's idempotency key cannot block a grant: system and client keys are different key spaces", async () => {
    const blocker = await balanceMutations(t.client).withdraw('1', 1, 'grant:2031-01-01');
    expect(blocker.__typename).toBe('BalanceUpdated');
    const summary = await t.app.grants.grantDay('2031-01-01');
    expect(summary).toMatchObject({ users: 2500, granted: 2500, failed: 0 });
    // The client's key still answers as its own first request did.
    const replay = await balanceMutations(t.client).withdraw('1', 1, 'grant:2031-01-01');
    expect(replay).toMatchObject({ __typename: 'BalanceUpdated', amount: -1 });
    if (blocker.__typename === 'BalanceUpdated' && replay.__typename === 'BalanceUpdated') {
      expect(replay.entryId).toBe(blocker.entryId);
    }
  });

  it('grants the days missed while no server ran, once, from the last completed day', async () => {
    const app = await startTestApp();
    try {
      // Before any grant nothing was missed: a start grants nothing, a scheduled tick grants its day.
      expect(await app.app.grants.catchUp('2027-05-01', 'start')).toEqual([]);
      expect((await app.app.grants.catchUp('2027-05-01', 'tick'))?.map((s) => s.day)).toEqual(['2027-05-01']);
      const missed = await app.app.grants.catchUp('2027-05-04', 'start');
      expect(missed?.map((s) => [s.day, s.granted])).toEqual([
        ['2027-05-02', 1],
        ['2027-05-03', 1],
        ['2027-05-04', 1],
      ]);
      expect(await app.app.grants.catchUp('2027-05-04', 'tick')).toEqual([]);
      const [user] = await query<{ balance: string }>(app.orm, 'select balance from users where id = 1');
      expect(Number(user!.balance)).toBe(10_000 + 4 * 5);
      expect(await ledgerViolations(app.orm)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('a refused grant (largest balance, a cap, a closed account) is an answer: the day completes, a repeat refuses again', async () => {
    const app = await startTestApp();
    try {
      const full = await insertUser(app.orm, Number.MAX_SAFE_INTEGER - 2);
      const capped = await insertUser(app.orm, 10);
      const closed = await insertUser(app.orm, 0);
      await app.client.graphql.request(SetLimitsDocument, { userId: capped, limits: { maxBalance: 12 } });
      await app.client.graphql.request(SetAccountStatusDocument, { userId: closed, status: 'CLOSED' });
      const summary = await app.app.grants.grantDay('2027-06-01');
      expect(summary).toMatchObject({ users: 4, granted: 1, refused: 3, failed: 0 });
      const done = () =>
        query<{ count: string }>(app.orm, "select count(*) as count from grant_days where day = '2027-06-01'");
      expect((await done())[0]!.count).toBe('1');
      const again = await app.app.grants.grantDay('2027-06-01');
      expect(again).toMatchObject({ users: 4, granted: 0, alreadyGranted: 1, refused: 3, failed: 0 });
      const refusals = await query<{ user_id: number; type: string }>(
        app.orm,
        `select user_id, refusal->>'type' as type from refused_requests where idempotency_key = 'grant:2027-06-01'
          order by user_id`,
      );
      expect(refusals.map((r) => [String(r.user_id), r.type])).toEqual([
        [full, 'InvalidAmount'],
        [capped, 'LimitExceeded'],
        [closed, 'AccountClosed'],
      ]);
      expect(await ledgerViolations(app.orm)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('the grant with WORKERS > 1', () => {
  let cluster: ServerCluster | undefined;
  afterAll(async () => {
    await cluster?.close();
  });

  it('keeps running after the worker that ran it first dies: every worker schedules it', async () => {
    // Every second, so the test sees ticks; yesterday completed, so each tick checks today.
    cluster = await startServers(1, { WORKERS: '2', GRANT_CRON: '* * * * * *' });
    const [server] = cluster.servers as [ServerProcess];
    const { orm } = cluster;
    // Workers log through their own pipes: worker 1's line may come after the primary's "listening".
    const workerOne = () => server!.logs.find((line) => line.msg === 'worker listening' && line['worker'] === 1);
    for (const deadline = Date.now() + 10_000; !workerOne() && Date.now() < deadline;) await delay(50);
    const first = workerOne();
    expect(first).toBeDefined();
    process.kill(first!['pid'] as number, 'SIGKILL');
    // A user created after worker 1 died, on a day not completed yet, is granted by the workers still running.
    const userId = await insertUser(orm, 0);
    await query(orm, 'delete from grant_days');
    await query(orm, 'insert into grant_days (day, amount, users) values (current_date - 1, 5, 0)');
    let balance = 0;
    for (const deadline = Date.now() + 30_000; balance === 0 && Date.now() < deadline;) {
      // A run that read the users before this one existed may complete today meanwhile: today stays not done.
      await query(orm, 'delete from grant_days where day >= current_date');
      await delay(200); // polling the database for the grant's effect, with a deadline
      const [row] = await query<{ balance: string }>(orm, 'select balance from users where id = ?', [Number(userId)]);
      balance = Number(row!.balance);
    }
    expect(balance).toBe(5);
    expect(await ledgerViolations(orm)).toEqual([]);
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
