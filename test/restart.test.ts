import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalanceClient, UpdateBalanceDocument, UserDocument } from '../client/index.js';
import { checkInvariants } from '../src/db/invariants.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

let dataDir: string;
const servers: ServerProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'balance-restart-'));
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await rm(dataDir, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const server = await startServerProcess({ DATA_DIR: dataDir });
  servers.push(server);
  return server;
}

/** Reads the ledger straight from the embedded PostgreSQL the server started, and checks the invariants there. */
async function ledgerOf(server: ServerProcess): Promise<{ amount: string; kind: string }[]> {
  const port = server.logs.find((line) => line.msg === 'embedded PostgreSQL started')?.port as number;
  const password = (await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim();
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'balance' });
  await client.connect();
  try {
    const report = await checkInvariants(async (sql) => (await client.query(sql)).rows);
    expect(report.violations).toEqual([]);
    return (await client.query('select amount, kind from ledger_entries order by id')).rows;
  } finally {
    await client.end();
  }
}

describe('restart on the same DATA_DIR (embedded PostgreSQL)', () => {
  it('keeps balances and the ledger, and never re-seeds', async () => {
    const first = await start();
    const client = createBalanceClient(first.url);
    for (const amount of [-2, -3, 500]) {
      const { updateBalance } = await client.graphql.request(UpdateBalanceDocument, { userId: '1', amount });
      expect(updateBalance.__typename).toBe('BalanceUpdated');
    }
    await client.close();
    const before = await ledgerOf(first);
    expect(await first.stop()).toBe(0);
    expect(first.logs.map((line) => line.msg)).toContain('seeded the first user');

    const second = await start();
    const again = createBalanceClient(second.url);
    const { user } = await again.graphql.request(UserDocument, { id: '1' });
    await again.close();
    expect(user).toMatchObject({ id: '1', balance: 10_495, version: 4 });
    expect(await ledgerOf(second)).toEqual(before);
    expect(before.map((entry) => [entry.kind, entry.amount])).toEqual([
      ['INITIAL', '10000'],
      ['UPDATE', '-2'],
      ['UPDATE', '-3'],
      ['UPDATE', '500'],
    ]);
    expect(second.logs.map((line) => line.msg)).not.toContain('seeded the first user');
    expect(second.logs.map((line) => line.msg)).not.toContain('initialising embedded PostgreSQL');
    expect(await second.stop()).toBe(0);
  });

  it('refuses to start a second PostgreSQL on a DATA_DIR another server is using, with a clear message', async () => {
    const owner = await start();
    await expect(startServerProcess({ DATA_DIR: dataDir })).rejects.toThrow(
      /PostgreSQL already runs on .* kill -INT \d+/,
    );
    expect(await owner.stop()).toBe(0);
  });
});
