// node --import tsx scripts/bench/batch-write-floor.ts
// Times one user's batch writes (the balance path's statement, 200 entries each) in the ways the store could
// run them, on a fresh embedded PostgreSQL, sequentially as one lane does: where does a batch's latency go?
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmbeddedDatabase } from '../../src/db/embedded-postgres.js';
import { initOrm } from '../../src/db/orm.js';
import { Sql } from '../../src/db/sql.js';
import { createLogger } from '../../src/logger.js';
import { decideBatch } from '../../src/core/decide.js';
import type { Operation } from '../../src/core/operations.js';
import { SqlBalanceStore } from '../../src/db/balance-store.js';
import { UserStore } from '../../src/modules/users/user.store.js';
import { prepareDatabase } from '../../src/prepare-database.js';

const BATCHES = 300;
const SIZE = Number(process.env['SIZE'] ?? 200);
const logger = createLogger({ logLevel: 'warn' });
const dataDir = await mkdtemp(path.join(tmpdir(), 'batch-floor-'));
const database = await startEmbeddedDatabase({ dataDir, database: 'floor', logger });
const orm = await initOrm(database.url, 4);
try {
  await prepareDatabase(orm, logger);
  const sql = new Sql(orm);
  const store = new SqlBalanceStore(sql);
  let state = await new UserStore(sql).insertUserWithOpeningBalance({ balance: 1_000_000 });
  const ops: Operation[] = Array.from({ length: SIZE }, (_, i) => ({
    kind: 'adjust',
    amount: i % 2 ? 3 : -3,
    idempotencyKey: null,
  }));
  const run = async (name: string, write: () => Promise<void>) => {
    for (let i = 0; i < 30; i++) await write();
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < BATCHES; i++) await write();
    const used = process.cpuUsage(cpu);
    console.log(
      `${name}: ${((performance.now() - started) / BATCHES).toFixed(2)} ms per batch of ${SIZE}, ` +
        `${((used.user + used.system) / BATCHES).toFixed(0)} us CPU per batch`,
    );
  };
  const decided = () => decideBatch(state.balance, ops);
  await run('transactional + execute (the store)', async () => {
    const d = decided();
    const written = await store.transaction((tx) =>
      store.write(tx, [{ userId: state.id, expected: state, entries: d.entries }]),
    );
    state = written.get(state.id)!.state;
  });
  await run('execute without a transaction', async () => {
    const d = decided();
    const written = await store.write(undefined as never, [{ userId: state.id, expected: state, entries: d.entries }]);
    state = written.get(state.id)!.state;
  });
  // The previous driver path, for comparison: a named prepared statement with typed arrays, autocommit.
  const pool = (await sql.pool()) as unknown as import('pg').Pool;
  const client = await pool.connect();
  const PREPARED = `with updated as (
      update users set balance = $1, version = version + $2, updated_at = now() where id = $3 and version = $4
      returning id, balance, version),
    entries as (insert into ledger_entries (user_id, amount, balance_after, kind, reason, idempotency_key)
      select updated.id, c.amount, c.balance_after, c.kind, c.reason, c.idempotency_key
        from updated, unnest($5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[])
             with ordinality as c (amount, balance_after, kind, reason, idempotency_key, position)
       order by c.position returning id)
    select updated.*, (select array_agg(id order by id) from entries) as entry_ids from updated`;
  const prepared = async (transaction: boolean) => {
    const d = decided();
    if (transaction) await client.query('begin');
    const { rows } = await client.query({
      name: 'floor_write',
      text: PREPARED,
      values: [
        d.balance,
        d.entries.length,
        state.id,
        state.version,
        d.entries.map((e) => e.amount),
        d.entries.map((e) => e.balanceAfter),
        d.entries.map((e) => e.kind),
        d.entries.map((e) => e.reason),
        d.entries.map((e) => e.idempotencyKey),
      ],
    });
    if (transaction) await client.query('commit');
    state = { ...state, balance: Number(rows[0].balance), version: rows[0].version };
  };
  await run('prepared statement, typed arrays, autocommit (the old driver path)', () => prepared(false));
  await run('prepared statement, typed arrays, begin/commit', () => prepared(true));
  client.release();
  await run('transactional, empty', async () => {
    await store.transaction(async (tx) => sql.rows('select 1', [], tx));
  });
} finally {
  await orm.close(true);
  await database.stop();
  await rm(dataDir, { recursive: true, force: true });
}
