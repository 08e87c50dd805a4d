import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runBurst } from '../client/burst.js';
import { createBalanceClient, UserDocument } from '../client/index.js';
import { ledgerViolations, query } from './helpers.js';
import { spawnServer } from '../scripts/lib/spawn-server.js';
import { startServerProcess, startServers, type ServerCluster, type ServerProcess } from './server-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const servers: ServerProcess[] = [];
let cluster: ServerCluster | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await cluster?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Fires the reference burst and calls `interrupt` once 1,000 answers have come back. */
function burstInterruptedBy(server: ServerProcess, interrupt: () => void) {
  return runBurst({
    urls: [server.url],
    userId: '1',
    amount: -2,
    requests: 10_000,
    onProgress: (done) => {
      if (done === 1000) interrupt();
    },
  });
}

describe('graceful shutdown in the middle of a burst', () => {
  it('SIGTERM: commits and answers what it accepted, loses nothing, double-applies nothing, exits 0', async () => {
    cluster = await startServers(1);
    const [server] = cluster.servers as [ServerProcess];
    const { orm } = cluster;
    let stopped: Promise<number | null> | undefined;

    const report = await burstInterruptedBy(server, () => (stopped = server.stop()));

    expect(await stopped).toBe(0);
    // Typed answers before the stop; afterwards only refused connections, never a wrong business answer.
    for (const kind of Object.keys(report.counts)) expect(['BalanceUpdated', 'NetworkError']).toContain(kind);
    const ok = report.outcomes.filter((outcome) => outcome.__typename === 'BalanceUpdated');
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
    console.info(`SIGTERM mid-burst: ${JSON.stringify(report.counts)}, ${rows.length} ledger rows`);
    expect(server.logs.map((line) => line.msg)).toContain('stopped');
  });

  it('Ctrl-C (SIGINT to the whole process group) with the embedded PostgreSQL: the same', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'balance-ctrl-c-'));
    const server = await startServerProcess({ DATA_DIR: dataDir }, true);
    servers.push(server);
    let stopped: Promise<number | null> | undefined;
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));

    const report = await burstInterruptedBy(server, () => {
      process.kill(-server.child.pid!, 'SIGINT'); // what a terminal does on Ctrl-C
      stopped = exited;
    });

    expect(await stopped).toBe(0);
    for (const kind of Object.keys(report.counts)) expect(['BalanceUpdated', 'NetworkError']).toContain(kind);
    const ok = report.counts['BalanceUpdated'] ?? 0;
    const stats = server.logs.find((line) => line.msg === 'stopped')?.stats as Record<string, number>;
    expect(stats.operations).toBe(ok); // every operation the server took in was answered

    const again = await startServerProcess({ DATA_DIR: dataDir });
    servers.push(again);
    const client = createBalanceClient(again.url);
    const { user } = await client.graphql.request(UserDocument, { id: '1' });
    await client.close();
    expect(user?.balance).toBe(10_000 - 2 * ok);
    console.info(`Ctrl-C mid-burst: ${JSON.stringify(report.counts)}, balance after restart ${user?.balance}`);
  });
});

describe('npm start', () => {
  it('passes SIGTERM on: the server shuts down gracefully and stops its embedded PostgreSQL', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'balance-npm-start-'));
    // npm runs the script through a shell; the script must leave the server in the shell's place.
    const npm = process.env['npm_execpath'];
    const server = await spawnServer(npm ? process.execPath : 'npm', npm ? [npm, 'start'] : ['start'], {
      cwd: root,
      env: { ...process.env, DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'info', NODE_ENV: 'test' },
    });
    try {
      const pidFile = path.join(dir, 'postgres', 'postmaster.pid');
      const postgresPid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
      expect(await server.stop()).toBe(0); // SIGTERM to npm, as a process manager sends it
      expect(server.logs.map((line) => line.msg)).toContain('stopped');
      expect(() => process.kill(postgresPid, 0)).toThrow(); // PostgreSQL is gone too
    } finally {
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(process.getuid?.() === 0)('as root, with DATA_DIR under a folder the postgres user cannot enter', () => {
  it('stops with a message that says why and what to do, not a crash', async () => {
    const closed = await mkdtemp(path.join(tmpdir(), 'balance-closed-')); // mode 700, like /root
    try {
      const started = spawnServer(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        cwd: root,
        env: { ...process.env, DATA_DIR: path.join(closed, 'app', 'data'), PORT: '0', NODE_ENV: 'test' },
      });
      const error = (await started.then(
        () => new Error('the server started'),
        (failure: unknown) => failure,
      )) as Error;
      expect(error.message).toContain('exited with 1');
      expect(error.message).toContain('cannot enter');
      expect(error.message).toContain('DATABASE_URL');
      expect(error.message).not.toContain('Unhandled');
    } finally {
      await rm(closed, { recursive: true, force: true });
    }
  });
});
