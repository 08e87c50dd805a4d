import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { runBurst } from '../client/burst.js';
import {
  createBalanceClient,
  errorCodeOf,
  UpdateBalanceDocument,
  UserDocument,
  UserLedgerDocument,
  type BalanceClient,
} from '../client/index.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { initOrm, type Orm } from '../src/db/orm.js';
import { createLogger } from '../src/logger.js';
import { ledgerViolations, query } from './helpers.js';
import { startServerProcess, startServers } from './server-process.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Ledger rows per idempotency key (each must be exactly 1) and the ids of the rows. */
async function ledgerByKey(orm: Orm, prefix: string) {
  const rows = await query<{ id: string; idempotency_key: string }>(
    orm,
    `select id, idempotency_key from ledger_entries where idempotency_key like ?`,
    [`${prefix}%`],
  );
  const perKey = new Map<string, number>();
  for (const row of rows) perKey.set(row.idempotency_key, (perKey.get(row.idempotency_key) ?? 0) + 1);
  return { ids: new Set(rows.map((row) => String(row.id))), perKey };
}

describe('faults lose nothing and double nothing', () => {
  it('PostgreSQL stopped mid-traffic and started again: SERVICE_UNAVAILABLE meanwhile, then recovery without a restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'balance-outage-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const logger = createLogger({ logLevel: 'warn' });
    let database: EmbeddedDatabase = await startEmbeddedDatabase({ dataDir, database: 'balance', logger });
    const { port } = database;
    cleanups.push(() => database.stop());
    const server = await startServerProcess({ DATABASE_URL: database.url, DB_CONNECT_TIMEOUT_MS: '1000' });
    cleanups.push(() => server.stop());
    const client: BalanceClient = createBalanceClient(server.url, { connections: 50 });
    cleanups.push(() => client.close());

    // 6,000 withdrawals of 1 from the seeded 10,000, 50 in flight, each with its own idempotency key.
    const total = 6000;
    const key = (i: number) => `outage:${i}`;
    const answers: string[] = new Array(total);
    const entryIds: string[] = [];
    let answered = 0;
    let unavailable = 0;
    let restartedAt: number | undefined;
    let recoveredAfterMs: number | undefined;
    let phase: 'before' | 'stopping' | 'down' | 'starting' | 'up' = 'before';
    let faultDone: Promise<void> = Promise.resolve();
    let readsDuringOutage: string[] = [];

    const send = async (i: number): Promise<void> => {
      try {
        const { updateBalance } = await client.graphql.request(UpdateBalanceDocument, {
          userId: '1',
          amount: -1,
          idempotencyKey: key(i),
        });
        answers[i] = updateBalance.__typename;
        if (updateBalance.__typename === 'BalanceUpdated') {
          entryIds.push(updateBalance.entryId);
          if (phase === 'up' && recoveredAfterMs === undefined) recoveredAfterMs = performance.now() - restartedAt!;
        }
      } catch (error) {
        answers[i] = errorCodeOf(error) ?? `no GraphQL error: ${String(error).slice(0, 200)}`;
        if (answers[i] === 'SERVICE_UNAVAILABLE') unavailable++;
      }
      answered++;
      // The fault, driven by what the client has seen: stop after 1,000 answers; start again once 300
      // requests were refused as unavailable.
      if (phase === 'before' && answered >= 1000) {
        phase = 'stopping';
        faultDone = database.stop().then(async () => {
          // Reads (through MikroORM rather than the balance path's driver calls) fail the same clear way.
          readsDuringOutage = await Promise.all(
            [UserDocument, UserLedgerDocument].map((document) =>
              client.graphql.request(document, { id: '1' }).then(
                () => 'answered',
                (error: unknown) => errorCodeOf(error) ?? String(error),
              ),
            ),
          );
          phase = 'down';
        });
      } else if (phase === 'down' && unavailable >= 300) {
        phase = 'starting';
        faultDone = startEmbeddedDatabase({ dataDir, database: 'balance', logger, port }).then((restarted) => {
          database = restarted;
          restartedAt = performance.now();
          phase = 'up';
        });
      }
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < total) await send(next++);
      }),
    );
    await faultDone;

    const counts: Record<string, number> = {};
    for (const answer of answers) counts[answer] = (counts[answer] ?? 0) + 1;
    // Only a committed change or a retryable refusal: never InsufficientFunds, never an internal error.
    expect(Object.keys(counts).sort()).toEqual(['BalanceUpdated', 'SERVICE_UNAVAILABLE']);
    expect(readsDuringOutage).toEqual(['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE']);
    expect(phase).toBe('up');
    expect(recoveredAfterMs).toBeDefined(); // successes after the restart, from the same server process
    expect(server.child.exitCode).toBeNull();

    const orm = await initOrm(database.url, 2);
    cleanups.push(() => orm.close(true));
    // Every success the client saw is in the ledger; nothing is half-applied.
    const before = await ledgerByKey(orm, 'outage:');
    for (const id of entryIds) expect(before.ids.has(id)).toBe(true);
    expect(await ledgerViolations(orm)).toEqual([]);

    // The client retries every refused request with its key: each operation then applies exactly once.
    const refused = answers.flatMap((answer, i) => (answer === 'SERVICE_UNAVAILABLE' ? [i] : []));
    const retried = await Promise.all(
      refused.map((i) =>
        client.graphql
          .request(UpdateBalanceDocument, { userId: '1', amount: -1, idempotencyKey: key(i) })
          .then((data) => data.updateBalance.__typename),
      ),
    );
    expect(new Set(retried)).toEqual(new Set(['BalanceUpdated']));
    const after = await ledgerByKey(orm, 'outage:');
    expect(after.perKey.size).toBe(total);
    expect([...after.perKey.values()].every((count) => count === 1)).toBe(true);
    const [user] = await query<{ balance: string }>(orm, 'select balance from users where id = 1');
    expect(Number(user!.balance)).toBe(10_000 - total);
    expect(await ledgerViolations(orm)).toEqual([]);
    const ready = await fetch(server.url.replace('/graphql', '/health/ready'));
    expect(ready.status).toBe(200);
    console.info(
      `PostgreSQL outage: ${total} requests, ${counts['SERVICE_UNAVAILABLE']} answered SERVICE_UNAVAILABLE, ` +
        `${before.perKey.size - (counts['BalanceUpdated'] ?? 0)} committed without the answer reaching the client, ` +
        `first success ${recoveredAfterMs?.toFixed(0)} ms after PostgreSQL was back; ${refused.length} retried, all applied once`,
    );
  });

  it('one of three servers SIGKILLed mid-burst; the client retries with idempotency keys: every operation applies exactly once', async () => {
    const cluster = await startServers(3);
    cleanups.push(() => cluster.close());
    const { servers, orm } = cluster;
    const victim = servers[1]!;
    let killedAt = 0;

    const report = await runBurst({
      urls: servers.map((server) => server.url),
      userId: '1',
      amount: -2,
      requests: 10_000,
      retryAttempts: 20,
      idempotencyPrefix: 'sigkill',
      onProgress: (done) => {
        if (done === 2000) {
          killedAt = done;
          victim.child.kill('SIGKILL');
        }
      },
    });

    expect(killedAt).toBe(2000);
    expect(victim.child.signalCode).toBe('SIGKILL');
    // Each of the 10,000 logical operations got a business answer: exactly the reference outcome.
    expect(report.counts).toEqual({ BalanceUpdated: 5000, InsufficientFunds: 5000 });
    expect(report.retries).toBeGreaterThan(0);

    const ledger = await ledgerByKey(orm, 'sigkill:');
    expect(ledger.perKey.size).toBe(5000);
    expect([...ledger.perKey.values()].every((count) => count === 1)).toBe(true);
    const seen = new Set(report.outcomes.flatMap((o) => (o.__typename === 'BalanceUpdated' ? [o.entryId] : [])));
    expect(seen).toEqual(ledger.ids);
    const [user] = await query<{ balance: string }>(orm, 'select balance from users where id = 1');
    expect(user!.balance).toBe('0');
    expect(await ledgerViolations(orm)).toEqual([]);
    console.info(
      `SIGKILL 1 of 3 mid-burst: 10,000 operations, ${report.retries} retries, ${JSON.stringify(report.counts)}, ` +
        `${report.requestsPerSecond.toFixed(0)} requests/s`,
    );
  });
});
