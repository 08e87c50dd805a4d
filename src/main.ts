import 'reflect-metadata';
import { createApp, type App } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded-postgres.js';
import { initOrm, migrateAndSeed, type Orm } from './db/orm.js';
import { createLogger } from './logger.js';

const DATABASE_NAME = 'balance';

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config);
  let embedded: EmbeddedDatabase | undefined;
  let orm: Orm | undefined;
  let app: App | undefined;

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string, exitCode: number): Promise<void> =>
    (stopping ??= (async () => {
      logger.info({ reason }, 'shutting down');
      try {
        await app?.close();
        logger.debug('server closed');
        await orm?.close(true);
        logger.debug('database connections closed');
        await embedded?.stop();
        logger.info({ stats: app?.balances.stats() }, 'stopped');
      } catch (error) {
        logger.error({ err: error }, 'error during shutdown');
        exitCode = 1;
      }
      process.exit(exitCode);
    })());

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) logger.info({ signal }, 'already shutting down');
      void shutdown(signal, 0);
    });
  }

  try {
    if (config.databaseUrl === undefined) {
      embedded = await startEmbeddedDatabase({ dataDir: config.dataDir, database: DATABASE_NAME, logger });
    }
    orm = await initOrm(config.databaseUrl ?? (embedded as EmbeddedDatabase).url, config.dbPoolSize);
    await migrateAndSeed(orm, logger);
    app = await createApp({ config, orm, logger });
    const address = await app.listen(config.port, config.host);
    const host = address.address.includes(':') ? `[${address.address}]` : address.address;
    logger.info(
      {
        url: `http://${host}:${address.port}/graphql`,
        port: address.port,
        database: embedded ? 'embedded' : 'external',
        env: config.nodeEnv,
      },
      'listening',
    );
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    await shutdown('start-up failed', 1);
  }
}

void main();
