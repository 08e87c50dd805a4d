import { MikroORM } from '@mikro-orm/postgresql';
import { createOrmConfig } from '../../mikro-orm.config.js';
import type { Logger } from '../logger.js';

export type Orm = MikroORM;

/** Arbitrary constant: serialises migrations and seeding across processes starting together. */
const MIGRATION_LOCK_KEY = 7_160_553;
export const SEED_BALANCE = 10_000;

export async function initOrm(clientUrl: string, poolSize: number, connectTimeoutMs?: number): Promise<Orm> {
  return MikroORM.init(createOrmConfig({ clientUrl, poolSize, connectTimeoutMs }));
}

/**
 * Applies pending migrations, then seeds the first user when `users` is empty. Several processes may start
 * on one database at once: a transaction-scoped advisory lock lets one of them do the work while the
 * others wait and then find nothing to do. A restart never re-seeds.
 */
export async function migrateAndSeed(orm: Orm, logger: Logger): Promise<void> {
  const knex = orm.em.getConnection().getKnex();
  await knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
    const applied = await orm.getMigrator().up();
    if (applied.length > 0) logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    // The seed balance enters the ledger like any other balance, so balance == sum(ledger) holds from the start.
    const seeded = await trx.raw(
      `with seeded as (insert into users (balance, username) select ?, 'demo' where not exists (select 1 from users) returning id, balance)
       insert into ledger_entries (user_id, amount, balance_after, kind)
       select id, balance, balance, 'INITIAL' from seeded returning user_id`,
      [SEED_BALANCE],
    );
    if (seeded.rows.length > 0)
      logger.info({ userId: seeded.rows[0].user_id, balance: SEED_BALANCE }, 'seeded the first user');
  });
}

/** True when the database answers a trivial query within `timeoutMs`. */
export async function databaseAnswers(orm: Orm, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    const ping = orm.em
      .getConnection()
      .execute('select 1')
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
    return (await orm.getMigrator().getPendingMigrations()).length === 0;
  } catch {
    return false;
  }
}
