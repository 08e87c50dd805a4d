import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { DatabaseConnection } from 'kysely';
import { prepareStatementsOn } from './src/db/prepared-statements.js';
import { migrationsList } from './migrations/index.js';
import { LedgerEntry } from './src/modules/ledger/ledger-entry.entity.js';
import { Hold } from './src/modules/holds/hold.entity.js';
import { User } from './src/modules/users/user.entity.js';

export const entities = [User, LedgerEntry, Hold];

export interface OrmOptions {
  clientUrl: string;
  poolSize: number;
  /** Longest wait for a pooled connection, and for a new one to connect; then the caller gets an error. */
  connectTimeoutMs?: number;
  debug?: boolean;
}

/** The one ORM configuration: used by the server, the tests and the MikroORM CLI. */
export function createOrmConfig({ clientUrl, poolSize, connectTimeoutMs = 5000, debug = false }: OrmOptions): Options {
  return defineConfig({
    clientUrl,
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    pool: { min: 0, max: poolSize },
    // pg's pool: the longest wait for a pooled connection or a new one. While PostgreSQL is down, requests fail
    // within it (and are answered SERVICE_UNAVAILABLE) instead of waiting for ever.
    driverOptions: { connectionTimeoutMillis: connectTimeoutMs },
    // Every new connection prepares the stores' hot statements (src/db/prepared-statements.ts).
    onCreateConnection: (connection) => prepareStatementsOn(connection as DatabaseConnection),
    // Statements go through the connection (src/db/sql.ts); no entity manager holds state.
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug,
  });
}

// For the MikroORM CLI (`npx mikro-orm ...`) with DATABASE_URL set.
export default createOrmConfig({ clientUrl: process.env.DATABASE_URL ?? '', poolSize: 2 });
