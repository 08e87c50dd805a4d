import { MikroORM } from '@mikro-orm/postgresql';
import { createOrmConfig } from '../../mikro-orm.config.js';
import type { Logger } from '../logger.js';
import { Sql, type Orm, type Tx } from './sql.js';

export type { Orm } from './sql.js';

/** Arbitrary constant: serialises migrations and seeding across processes starting together. */
const MIGRATION_LOCK_KEY = 7_160_553;

export async function initOrm(clientUrl: string, poolSize: number, connectTimeoutMs?: number): Promise<Orm> {
  return MikroORM.init(createOrmConfig({ clientUrl, poolSize, connectTimeoutMs }));
}

/** Runs after the migrations, in the same locked transaction: e.g. seeding an empty database. */
export type AfterMigrations = (sql: Sql, tx: Tx) => Promise<void>;

/**
 * Applies pending migrations, then `after` (the seed). Several processes may start on one database at once: a
 * transaction-scoped advisory lock lets one of them do the work while the others wait and then find nothing
 * to do.
 */
export async function migrate(orm: Orm, logger: Logger, after?: AfterMigrations): Promise<void> {
  const sql = new Sql(orm);
  await sql.transaction(async (tx) => {
    await sql.rows('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY], tx);
    const applied = await orm.migrator.up();
    if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    await after?.(sql, tx);
  });
  // Connections opened before the schema was in place (this one's, or while another process migrated) could
  // not prepare the stores' statements: start the pool afresh now that it is.
  await orm.reconnect();
}

/** True when the database answers a trivial query within `timeoutMs`. */
export async function databaseAnswers(orm: Orm, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    const ping = new Sql(orm)
      .rows('select 1')
      .then(() => true)
      .catch(() => false);
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when every migration this build ships is recorded as applied in the database. */
export async function migrationsApplied(orm: Orm): Promise<boolean> {
  try {
    return (await orm.migrator.getPending()).length === 0;
  } catch {
    return false;
  }
}
