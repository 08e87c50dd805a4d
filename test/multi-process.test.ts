import { afterEach, describe, expect, it } from 'vitest';
import { runBurst } from '../client/burst.js';
import {
  createBalanceClient,
  DepositDocument,
  TransferDocument,
  UpdateBalanceDocument,
  WithdrawDocument,
} from '../client/index.js';
import type { Orm } from '../src/db/orm.js';
import { insertUser, ledgerViolations, query } from './helpers.js';
import { startServers, type ServerCluster } from './server-process.js';

let cluster: ServerCluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** The reference burst spread over `urls`, then every exact count and invariant. */
async function expectExactReferenceBurst(urls: string[], db: Orm) {
  const report = await runBurst({ urls, userId: '1', amount: -2, requests: 10_000 });
  expect(report.counts).toEqual({ BalanceUpdated: 5000, InsufficientFunds: 5000 });
  expect(report.finalBalance).toBe(0);
  const [ledger] = await query<{ rows: string; total: string }>(
    db,
    `select count(*) as rows, sum(amount) as total from ledger_entries where user_id = 1 and kind = 'UPDATE'`,
  );
  expect(ledger).toEqual({ rows: '5000', total: '-10000' });
  expect(await ledgerViolations(db)).toEqual([]);
  return report;
}

/** Stops every process (each must exit 0) and sums the batch statistics their workers logged. */
async function stopAndCollectStats() {
  const { servers } = cluster!;
  expect(await cluster!.stop()).toEqual(servers.map(() => 0));
  const stats = servers
    .flatMap((server) => server.logs)
    .filter((line) => line.msg === 'stopped' && line.stats)
    .map((line) => line.stats as Record<string, number>);
  const total = (field: string) => stats.reduce((sum, s) => sum + (s[field] ?? 0), 0);
  return { servers: stats.length, total };
}

describe('the reference test across processes on one database', () => {
  it('three separate server processes start together (one migrates and seeds) and stay exact', async () => {
    cluster = await startServers(3);
    const { servers, orm } = cluster;
    expect(await query(orm, 'select id, balance from users')).toEqual([{ id: 1, balance: '10000' }]);
    // Started without AUTH_MODE (not production): open, and each says so loudly.
    for (const server of servers) {
      expect(server.logs).toContainEqual(
        expect.objectContaining({ level: 40, authMode: 'off', msg: expect.stringMatching(/^AUTHENTICATION IS OFF/) }),
      );
    }

    const report = await expectExactReferenceBurst(
      servers.map((server) => server.url),
      orm,
    );

    const { servers: count, total } = await stopAndCollectStats();
    expect(count).toBe(3);
    expect(total('operations')).toBe(10_000);
    expect(total('concurrentUpdates')).toBe(0);
    console.info(
      `3 processes: ${total('batches')} batches, ${total('versionConflicts')} version conflicts retried, ` +
        `${report.requestsPerSecond.toFixed(0)} requests/s`,
    );
  });

  it('WORKERS=2 (node:cluster on one port) stays exact', async () => {
    cluster = await startServers(1, { WORKERS: '2' });
    const { servers, orm } = cluster;

    const report = await expectExactReferenceBurst([servers[0]!.url], orm);
    // One scrape answers for both workers: the primary sums their registries.
    const metrics = await (await fetch(servers[0]!.url.replace('/graphql', '/metrics'))).text();
    const sample = (series: string) =>
      Number(
        metrics
          .split('\n')
          .find((l) => l.startsWith(`${series} `))
          ?.split(' ')[1],
      );
    expect(sample('balance_operations_total')).toBe(10_000);
    expect(sample('graphql_requests_total{operation="updateBalance",result="BalanceUpdated"}')).toBe(5000);
    expect(sample('graphql_requests_total{operation="updateBalance",result="InsufficientFunds"}')).toBe(5000);

    const { servers: workers, total } = await stopAndCollectStats();
    expect(workers).toBe(2);
    expect(total('operations')).toBe(10_000);
    expect(total('concurrentUpdates')).toBe(0);
    console.info(
      `WORKERS=2: ${total('batches')} batches, ${total('versionConflicts')} version conflicts retried, ` +
        `${report.requestsPerSecond.toFixed(0)} requests/s`,
    );
  });

  it('an idempotency key applies once even when its repeats race through two processes', async () => {
    cluster = await startServers(2);
    const { servers, orm } = cluster;
    const clients = servers.map((server) => createBalanceClient(server.url));
    try {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          clients[i % 2]!.graphql.request(UpdateBalanceDocument, {
            userId: '1',
            amount: -25,
            idempotencyKey: 'payment-42',
          }).then((data) => data.updateBalance),
        ),
      );
      const answers = new Set(
        results.map((r) =>
          r.__typename === 'BalanceUpdated' ? `${r.entryId}:${r.amount}:${r.balance}` : r.__typename,
        ),
      );
      expect(answers.size).toBe(1);
      expect([...answers][0]).toMatch(/^\d+:-25:9975$/);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    const [row] = await query<{ n: string }>(
      orm,
      `select count(*) as n from ledger_entries where idempotency_key = 'payment-42'`,
    );
    expect(row!.n).toBe('1');
    expect(await ledgerViolations(orm)).toEqual([]);
  });

  it('2,000 mixed deposits and withdrawals on one user from two processes: balance = sum of accepted changes', async () => {
    cluster = await startServers(2);
    const { servers, orm } = cluster;
    const userId = await insertUser(orm, 0); // starts empty: withdrawals compete for what deposits bring
    const clients = servers.map((server) => createBalanceClient(server.url));
    let accepted = 0;
    try {
      const results = await Promise.all(
        Array.from({ length: 2000 }, (_, i) => {
          const client = clients[i % 2]!.graphql;
          const amount = 1 + (i % 7);
          return i % 2 === 0
            ? client.request(DepositDocument, { userId, amount }).then((d) => d.deposit)
            : client.request(WithdrawDocument, { userId, amount }).then((d) => d.withdraw);
        }),
      );
      for (const result of results) {
        expect(['BalanceUpdated', 'InsufficientFunds']).toContain(result.__typename);
        if (result.__typename === 'BalanceUpdated') accepted += result.amount;
      }
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    const [user] = await query<{ balance: string }>(orm, 'select balance from users where id = ?', [Number(userId)]);
    expect(Number(user!.balance)).toBe(accepted);
    expect(await ledgerViolations(orm)).toEqual([]); // balance = ledger sum, running balances consistent, none negative
  });

  it('spread: 6,000 changes over 300 users through three processes: each applied once, no ConcurrentUpdate', async () => {
    cluster = await startServers(3);
    const { servers, orm } = cluster;
    const users = await Promise.all(Array.from({ length: 300 }, () => insertUser(orm, 20)));
    const clients = servers.map((server) => createBalanceClient(server.url));
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const ops = Array.from({ length: 6000 }, () => ({
      userId: users[Math.floor(random() * users.length)]!,
      amount: (random() < 0.5 ? -1 : 1) * (1 + Math.floor(random() * 5)),
    }));
    let answers;
    try {
      answers = await Promise.all(
        ops.map((op, i) =>
          clients[i % 3]!.graphql.request(UpdateBalanceDocument, op).then((data) => data.updateBalance),
        ),
      );
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    const applied = ops.filter((_, i) => answers[i]!.__typename === 'BalanceUpdated');
    expect(answers.every((a) => a.__typename === 'BalanceUpdated' || a.__typename === 'InsufficientFunds')).toBe(true);
    const [ledger] = await query<{ rows: string; total: string }>(
      orm,
      `select count(*) as rows, coalesce(sum(amount), 0) as total from ledger_entries where kind = 'UPDATE'`,
    );
    expect(ledger).toEqual({
      rows: String(applied.length),
      total: String(applied.reduce((sum, op) => sum + op.amount, 0)),
    });
    expect(await ledgerViolations(orm)).toEqual([]);

    const { servers: count, total } = await stopAndCollectStats();
    expect(count).toBe(3);
    expect(total('operations')).toBe(6000);
    expect(total('concurrentUpdates')).toBe(0);
    expect(total('deadlocks')).toBe(0);
    console.info(
      `spread, 3 processes: ${applied.length} applied, ${total('rounds')} rounds for ${total('batches')} batches, ` +
        `${total('versionConflicts')} version conflicts retried, ${total('deadlocks')} deadlocks retried`,
    );
  });

  it('a ring of transfers through three processes (each user pays the next and the previous at once): conserved, no deadlock', async () => {
    cluster = await startServers(3);
    const { servers, orm } = cluster;
    const ring = await Promise.all(Array.from({ length: 6 }, () => insertUser(orm, 50))); // and the seed's user 1
    const clients = servers.map((server) => createBalanceClient(server.url));
    const rounds = 100;
    let answers;
    try {
      answers = await Promise.all(
        Array.from({ length: rounds }, (_, round) =>
          ring.flatMap((from, i) =>
            [ring[(i + 1) % ring.length]!, ring[(i + ring.length - 1) % ring.length]!].map((to, side) =>
              clients[(round + i + side) % 3]!.graphql.request(TransferDocument, {
                fromUserId: from,
                toUserId: to,
                amount: 1 + ((round + i) % 7),
              }).then((data) => data.transfer.__typename),
            ),
          ),
        ).flat(),
      );
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
    // Every request got a business answer: no deadlock or other error reached a client.
    expect(answers.filter((a) => a !== 'TransferCompleted' && a !== 'InsufficientFunds')).toEqual([]);
    const completed = answers.filter((a) => a === 'TransferCompleted').length;
    const [totals] = await query<{ total: string; negative: string; outs: string; ins: string }>(
      orm,
      `select (select sum(balance) from users where id <> 1) as total,
              (select count(*) from users where balance < 0) as negative,
              (select count(*) from ledger_entries where kind = 'TRANSFER_OUT') as outs,
              (select count(*) from ledger_entries where kind = 'TRANSFER_IN') as ins`,
    );
    expect(totals).toEqual({ total: String(6 * 50), negative: '0', outs: String(completed), ins: String(completed) });
    expect(await ledgerViolations(orm)).toEqual([]); // includes: both entries of every transfer, or neither

    const { total } = await stopAndCollectStats();
    expect(total('concurrentUpdates')).toBe(0);
    // Every writer locks rows in ascending id order: a deadlock (even one PostgreSQL broke and the writer retried)
    // means some statement does not, and fails the test.
    expect(total('deadlocks')).toBe(0);
    console.info(
      `transfer ring, 3 processes: ${answers.length} transfers, ${completed} completed, ${total('rounds')} rounds, ` +
        `${total('versionConflicts')} conflicts retried, ${total('deadlocks')} deadlocks retried`,
    );
  });
});
