import { migrate, type Orm } from './db/orm.js';
import type { Logger } from './logger.js';
import { seedFirstUser } from './modules/users/user.store.js';

/**
 * Migrates the database and seeds user `demo` when it has no user yet, under one advisory lock: the same for
 * the server, the commands, the tests and the bench.
 */
export function prepareDatabase(orm: Orm, logger: Logger): Promise<void> {
  return migrate(orm, logger, async (sql, tx) => {
    const seeded = await seedFirstUser(sql, tx);
    if (seeded) logger.info({ userId: seeded.id, balance: seeded.balance }, 'seeded the first user');
  });
}
