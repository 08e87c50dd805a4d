import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { checkInvariants } from '../../src/db/invariants.js';
import { runLoad } from './load.js';
import { cpuMs } from './process-stats.js';
import { insertUsers } from './users.js';
import { seededRandom } from '../lib/random.js';

// The `batch` scenario: batches of 1,000 transfers among 10,000 users, 4 in flight, through the service's `batch`
// mutation, and the same batches through node-postgres straight to PostgreSQL (the plain-SQL reference: one
// transaction each, users locked in ascending id order, one set-based UPDATE, one multi-row INSERT).

export interface BatchBenchOptions {
  /** The service: where it answers, its token, its process (for CPU), its database. */
  origin: string;
  headers: Record<string, string>;
  pid: number;
  db: pg.Pool;
  /** An empty database with the service's schema, for the reference. */
  referenceDatabaseUrl: string;
  batches: number;
  size: number;
  inFlight: number;
  users: number;
  say(line: string): void;
}

export interface BatchSystemResult {
  transfersPerSecond: number;
  cpuUsPerTransfer: number | undefined;
  problems: string[];
}

export interface BatchBenchResult {
  service: BatchSystemResult;
  reference: BatchSystemResult;
}

interface Transfer {
  from: number;
  to: number;
  amount: number;
}

/** `count` batches of `size` transfers of 1-5 among `ids`: the total is conserved whatever is refused. */
function makeBatches(ids: readonly number[], count: number, size: number): Transfer[][] {
  const random = seededRandom(22);
  return Array.from({ length: count }, () =>
    Array.from({ length: size }, () => {
      const from = Math.floor(random() * ids.length);
      const to = (from + 1 + Math.floor(random() * (ids.length - 1))) % ids.length;
      return { from: ids[from]!, to: ids[to]!, amount: 1 + Math.floor(random() * 5) };
    }),
  );
}

const BATCH = `mutation Batch($operations: [BatchOperation!]!) {
  batch(operations: $operations) { __typename ... on BatchRefused { index } } }`;

async function conserved(db: pg.Pool, ids: readonly number[], total: number): Promise<string[]> {
  const { rows } = await db.query<{ total: string }>('select sum(balance) as total from users where id = any($1)', [
    ids,
  ]);
  const problems = Number(rows[0]?.total) === total ? [] : [`sum of balances ${rows[0]?.total}, expected ${total}`];
  const report = await checkInvariants(async (sql) => (await db.query(sql)).rows as Record<string, unknown>[]);
  return [...problems, ...report.violations.slice(0, 5).map((v) => `user ${v.userId}: ${v.invariant}: ${v.detail}`)];
}

async function runService(options: BatchBenchOptions): Promise<BatchSystemResult> {
  const ids = await insertUsers(options.db, options.users, 1000);
  const batches = makeBatches(ids, options.batches, options.size);
  const cpuBefore = cpuMs(options.pid);
  const result = await runLoad({
    origin: options.origin,
    path: '/graphql',
    requests: batches.length,
    inFlight: options.inFlight,
    connections: options.inFlight,
    headers: options.headers,
    body: (i) =>
      JSON.stringify({
        query: BATCH,
        variables: {
          operations: batches[i]!.map((t) => ({
            transfer: { fromUserId: String(t.from), toUserId: String(t.to), amount: t.amount },
          })),
        },
      }),
    classify: (status, body) => {
      try {
        return (JSON.parse(body) as { data: { batch: { __typename: string } } }).data.batch.__typename;
      } catch {
        return `HTTP ${status}`;
      }
    },
  });
  const transfers = batches.length * options.size;
  const problems = await conserved(options.db, ids, ids.length * 1000);
  const unexpected = Object.keys(result.counts).filter((k) => k !== 'BatchApplied' && k !== 'BatchRefused');
  if (unexpected.length > 0) problems.push(`answers: ${JSON.stringify(result.counts)}`);
  return {
    transfersPerSecond: transfers / (result.wallMs / 1000),
    cpuUsPerTransfer: ((cpuMs(options.pid) - cpuBefore) * 1000) / transfers,
    problems,
  };
}

/** One batch as a careful hand-written service would do it: lock, decide in order (atomic), two statements. */
async function referenceBatch(client: pg.PoolClient, batch: readonly Transfer[]): Promise<void> {
  const ids = [...new Set(batch.flatMap((t) => [t.from, t.to]))].sort((a, b) => a - b);
  await client.query('begin');
  try {
    const { rows } = await client.query<{ id: number; balance: string; held: string }>(
      'select id, balance, held from users where id = any($1) order by id for update',
      [ids],
    );
    const balance = new Map(rows.map((row) => [row.id, Number(row.balance)]));
    const held = new Map(rows.map((row) => [row.id, Number(row.held)]));
    const changes = new Map<number, number>();
    const entries: [number, number, number, string, number, string, number][] = [];
    for (const t of batch) {
      const from = balance.get(t.from)!;
      if (from - held.get(t.from)! < t.amount) {
        await client.query('rollback');
        return;
      }
      const transferId = randomUUID();
      balance.set(t.from, from - t.amount);
      balance.set(t.to, balance.get(t.to)! + t.amount);
      changes.set(t.from, (changes.get(t.from) ?? 0) + 1);
      changes.set(t.to, (changes.get(t.to) ?? 0) + 1);
      entries.push([t.from, -t.amount, balance.get(t.from)!, 'TRANSFER_OUT', t.to, transferId, held.get(t.from)!]);
      entries.push([t.to, t.amount, balance.get(t.to)!, 'TRANSFER_IN', t.from, transferId, held.get(t.to)!]);
    }
    const changed = [...changes.keys()];
    await client.query(
      `update users set balance = v.balance, version = users.version + v.n, updated_at = now()
         from unnest($1::integer[], $2::bigint[], $3::integer[]) as v(id, balance, n) where users.id = v.id`,
      [changed, changed.map((id) => balance.get(id)!), changed.map((id) => changes.get(id)!)],
    );
    const column = (i: number) => entries.map((entry) => entry[i]);
    await client.query(
      `insert into ledger_entries (user_id, amount, balance_after, kind, counterparty_id, transfer_id, held_after)
       select * from unnest($1::integer[], $2::bigint[], $3::bigint[], $4::text[], $5::integer[], $6::uuid[], $7::bigint[])`,
      [column(0), column(1), column(2), column(3), column(4), column(5), column(6)],
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}

async function runReference(options: BatchBenchOptions): Promise<BatchSystemResult> {
  const pool = new pg.Pool({ connectionString: options.referenceDatabaseUrl, max: options.inFlight });
  try {
    const ids = await insertUsers(pool, options.users, 1000);
    const batches = makeBatches(ids, options.batches, options.size);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.inFlight }, async () => {
        const client = await pool.connect();
        try {
          while (next < batches.length) await referenceBatch(client, batches[next++]!);
        } finally {
          client.release();
        }
      }),
    );
    const wallMs = performance.now() - started;
    return {
      transfersPerSecond: (batches.length * options.size) / (wallMs / 1000),
      cpuUsPerTransfer: undefined,
      problems: await conserved(pool, ids, ids.length * 1000),
    };
  } finally {
    await pool.end();
  }
}

/** Both systems, the service first, each on a database of its own. */
export async function runBatchBench(options: BatchBenchOptions): Promise<BatchBenchResult> {
  const service = await runService(options);
  options.say(
    `  batch / service: ${service.transfersPerSecond.toFixed(0)} transfers/s, ` +
      `${service.cpuUsPerTransfer?.toFixed(1)} us CPU per transfer` +
      (service.problems.length ? `  WRONG: ${service.problems.join('; ')}` : '  exact'),
  );
  const reference = await runReference(options);
  options.say(
    `  batch / plain SQL: ${reference.transfersPerSecond.toFixed(0)} transfers/s` +
      (reference.problems.length ? `  WRONG: ${reference.problems.join('; ')}` : '  exact'),
  );
  return { service, reference };
}
