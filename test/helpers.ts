import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createBalanceClient, type BalanceClient } from '../client/index.js';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { initOrm, migrateAndSeed, type Orm } from '../src/db/orm.js';
import { createLogger } from '../src/logger.js';

/** Creates an empty database of its own for a test file and returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestApp {
  app: App;
  orm: Orm;
  databaseUrl: string;
  /** http://127.0.0.1:PORT/graphql */
  url: string;
  origin: string;
  client: BalanceClient;
  close(): Promise<void>;
}

/** The real app on a fresh database, migrated and seeded, listening on a free port. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const databaseUrl = await createTestDatabase();
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    GRANT_ENABLED: 'false',
    ...env,
    DATABASE_URL: databaseUrl,
  });
  const logger = createLogger(config);
  const orm = await initOrm(databaseUrl, config.dbPoolSize);
  await migrateAndSeed(orm, logger);
  const app = await createApp({ config, orm, logger });
  const { port } = await app.listen(0, '127.0.0.1');
  const origin = `http://127.0.0.1:${port}`;
  const client = createBalanceClient(`${origin}/graphql`);
  return {
    app,
    orm,
    databaseUrl,
    url: `${origin}/graphql`,
    origin,
    client,
    async close() {
      await client.close();
      await app.close();
      await orm.close(true);
    },
  };
}

export async function query<T extends pg.QueryResultRow>(orm: Orm, sql: string, params: unknown[] = []): Promise<T[]> {
  return orm.em.getConnection().execute<T[]>(sql, params);
}

/** Inserts a user with an opening balance (and its INITIAL ledger entry); returns the id as a GraphQL ID. */
export async function insertUser(orm: Orm, balance: number): Promise<string> {
  const [row] = await query<{ id: number }>(
    orm,
    `with u as (insert into users (balance) values (?) returning id, balance),
          l as (insert into ledger_entries (user_id, amount, balance_after, kind)
                select id, balance, balance, 'INITIAL' from u where balance > 0)
     select id from u`,
    [balance],
  );
  return String(row!.id);
}

export interface LedgerViolation {
  userId: number;
  problem: string;
}

/**
 * The invariants every test checks after concurrent traffic: no negative balance, balance == sum of the
 * user's ledger, and each entry's balance_after == previous balance_after + amount.
 */
export async function ledgerViolations(orm: Orm): Promise<LedgerViolation[]> {
  const rows = await query<{ user_id: number; problem: string }>(
    orm,
    `select u.id as user_id, 'balance ' || u.balance || ' <> ledger sum ' || coalesce(sum(l.amount), 0) as problem
       from users u left join ledger_entries l on l.user_id = u.id
      group by u.id having u.balance <> coalesce(sum(l.amount), 0)
     union all
     select id, 'negative balance ' || balance from users where balance < 0
     union all
     select user_id, 'entry ' || id || ': balance_after ' || balance_after || ' <> ' || expected
       from (select id, user_id, balance_after,
                    coalesce(lag(balance_after) over (partition by user_id order by id), 0) + amount as expected
               from ledger_entries) e
      where balance_after <> expected`,
  );
  return rows.map((row) => ({ userId: Number(row.user_id), problem: row.problem }));
}
