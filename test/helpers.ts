import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { createBalanceClient, type BalanceClient } from '../client/index.js';
import { createApp, type App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { checkInvariants } from '../src/db/invariants.js';
import { initOrm, type Orm } from '../src/db/orm.js';
import { prepareDatabase } from '../src/prepare-database.js';
import { Sql } from '../src/db/sql.js';
import { createLogger } from '../src/logger.js';
import { UserStore } from '../src/modules/users/user.store.js';

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

/** Makes a test database unreachable: no new connections, and the open ones are ended. */
export async function refuseConnections(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    await client.query(`alter database ${name} with allow_connections false`);
    await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [name]);
  } finally {
    await client.end();
  }
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

/** The HS256 secret of test apps started with `JWT_ENV`. */
export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256';
export const JWT_ENV = { AUTH_MODE: 'jwt', JWT_SECRET: TEST_JWT_SECRET } as const;

/** A signed token as an identity provider would issue it (expires in an hour unless `expiresIn` says; null: never). */
export function signToken(
  claims: { role?: string; sub?: string; iss?: string; aud?: string },
  { secret = TEST_JWT_SECRET, expiresIn = '1h' }: { secret?: string; expiresIn?: string | number | null } = {},
): Promise<string> {
  const { sub, iss, aud, ...rest } = claims;
  let jwt = new SignJWT(rest).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (expiresIn !== null) jwt = jwt.setExpirationTime(expiresIn);
  if (sub !== undefined) jwt = jwt.setSubject(sub);
  if (iss !== undefined) jwt = jwt.setIssuer(iss);
  if (aud !== undefined) jwt = jwt.setAudience(aud);
  return jwt.sign(new TextEncoder().encode(secret));
}

export interface TestAppOptions {
  /** Receives every log line (JSON) at LOG_LEVEL (default here: debug), instead of discarding them. */
  logLines?: string[];
  /** Token the app's `client` sends. */
  token?: string;
}

/** The real app on a fresh database, migrated and seeded, listening on a free port. */
export async function startTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = await createTestDatabase();
  const config = loadConfig({
    LOG_LEVEL: options.logLines ? 'debug' : 'silent',
    NODE_ENV: 'test',
    GRANT_ENABLED: 'false',
    ...env,
    DATABASE_URL: databaseUrl,
  });
  const lines = options.logLines;
  const logger = createLogger(config, lines && { write: (line: string) => void lines.push(line) });
  const orm = await initOrm(databaseUrl, config.dbPoolSize, config.dbConnectTimeoutMs);
  await prepareDatabase(orm, logger);
  const app = await createApp({ config, orm, logger });
  const { port } = await app.listen(0, '127.0.0.1');
  const origin = `http://127.0.0.1:${port}`;
  const client = createBalanceClient(`${origin}/graphql`, { token: options.token });
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

/**
 * The real app for the tests of one file (or one `describe`): started before them; after them, the ledger
 * invariants are checked and the app is closed. Its fields are there once the tests run.
 */
export function useTestApp(env: Record<string, string> = {}, options: TestAppOptions = {}): TestApp {
  const handle = {} as TestApp;
  beforeAll(async () => {
    Object.assign(handle, await startTestApp(env, options));
  });
  afterAll(async () => {
    if (!handle.orm) return;
    try {
      expect(await ledgerViolations(handle.orm)).toEqual([]);
    } finally {
      await handle.close();
    }
  });
  return handle;
}

/** One SQL statement on the app's database (`?` placeholders), through the service's own way in. */
export async function query<T extends object>(orm: Orm, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Sql(orm).rows<T>(sql, params);
}

/** Inserts a user with an opening balance (and its INITIAL ledger entry); returns the id as a GraphQL ID. */
export async function insertUser(orm: Orm, balance: number): Promise<string> {
  const user = await new UserStore(new Sql(orm)).insertUserWithOpeningBalance({ balance });
  return String(user.id);
}

export interface LedgerViolation {
  userId: number;
  problem: string;
}

/**
 * The invariants every test checks after concurrent traffic (the same checks as `npm run verify`): no
 * negative balance, balance == sum of the user's ledger, a consistent balance_after chain, and each
 * idempotency key used once per user.
 */
export async function ledgerViolations(orm: Orm): Promise<LedgerViolation[]> {
  const report = await checkInvariants((sql) => query(orm, sql));
  return report.violations.map((violation) => ({ userId: violation.userId, problem: violation.detail }));
}
