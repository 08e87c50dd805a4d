import 'reflect-metadata';
import cluster, { type Worker } from 'node:cluster';
import { createApp, type App } from './app.js';
import { loadConfigOrExit, type Config } from './config.js';
import { EMBEDDED_DATABASE_NAME, startEmbeddedDatabase, type EmbeddedDatabase } from './db/embedded-postgres.js';
import { initOrm, type Orm } from './db/orm.js';
import { prepareDatabase } from './prepare-database.js';
import { serveClusterMetrics } from './http/cluster-metrics.js';
import { createLogger, type Logger } from './logger.js';
import { shutdownOnce } from './shutdown.js';

/**
 * Runs `stop` once on the first SIGTERM/SIGINT/SIGHUP (or a start-up failure), then exits; exits with 1 if it
 * has not finished within `deadlineMs`.
 */
function onShutdown(
  logger: Logger,
  deadlineMs: number,
  stop: () => Promise<number>,
): (reason: string) => Promise<void> {
  const shutdown = shutdownOnce(stop, { logger, deadlineMs });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void shutdown(signal));
  return shutdown;
}

/**
 * How long one server may take to stop: HTTP requests get SHUTDOWN_TIMEOUT_MS to finish, then the database
 * connections close and an embedded PostgreSQL stops.
 */
const serverDeadlineMs = (config: Config): number => config.shutdownTimeoutMs + 15_000;

async function startDatabase(config: Config, logger: Logger): Promise<{ url: string; embedded?: EmbeddedDatabase }> {
  if (config.databaseUrl !== undefined) return { url: config.databaseUrl };
  const embedded = await startEmbeddedDatabase({ dataDir: config.dataDir, database: EMBEDDED_DATABASE_NAME, logger });
  return { url: embedded.url, embedded };
}

/** AUTH_MODE=off is for local use and tests: anyone who can reach the port can move money. */
function warnIfOpen(config: Config, logger: Logger): void {
  if (config.auth.mode !== 'off') return;
  logger.warn(
    { authMode: 'off' },
    'AUTHENTICATION IS OFF: every caller may read and change every balance. Set AUTH_MODE=jwt outside local development.',
  );
}

/** One server in this process (WORKERS=1), or one worker of the cluster. */
async function runServer(config: Config, logger: Logger): Promise<void> {
  let embedded: EmbeddedDatabase | undefined;
  let orm: Orm | undefined;
  let app: App | undefined;
  let failed = false;
  const shutdown = onShutdown(logger, serverDeadlineMs(config), async () => {
    await app?.close();
    await orm?.close(true);
    await embedded?.stop();
    logger.info({ stats: app?.balances.stats() }, 'stopped');
    return failed ? 1 : 0;
  });
  if (!cluster.isWorker) warnIfOpen(config, logger);
  try {
    const database = await startDatabase(config, logger);
    embedded = database.embedded;
    orm = await initOrm(database.url, config.dbPoolSize, config.dbConnectTimeoutMs);
    await prepareDatabase(orm, logger);
    app = await createApp({ config, orm, logger });
    const address = await app.listen(config.port, config.host);
    const host = address.address.includes(':') ? `[${address.address}]` : address.address;
    logger.info(
      {
        url: `http://${host}:${address.port}/graphql`,
        port: address.port,
        database: embedded ? 'embedded' : cluster.isWorker ? 'shared by the primary' : 'external',
        env: config.nodeEnv,
        pid: process.pid,
      },
      cluster.isWorker ? 'worker listening' : 'listening',
    );
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    failed = true;
    await shutdown('start-up failed');
  }
}

/**
 * WORKERS > 1: this process owns the database (embedded or not) and the migrations, then forks the workers,
 * which share the port. Correctness across workers rests on the version check, as across any processes.
 */
async function runPrimary(config: Config, logger: Logger): Promise<void> {
  let embedded: EmbeddedDatabase | undefined;
  let stopping = false;
  let failed = false;
  const exited = new Map<Worker, Promise<number>>();

  const fork = (databaseUrl: string): Worker => {
    const worker = cluster.fork({ DATABASE_URL: databaseUrl });
    exited.set(
      worker,
      new Promise((resolve) =>
        worker.once('exit', (code, signal) => {
          exited.delete(worker);
          if (!stopping) {
            logger.error({ worker: worker.id, code, signal }, 'worker died; starting a replacement');
            fork(databaseUrl);
          }
          resolve(code ?? 1);
        }),
      ),
    );
    return worker;
  };

  // Workers get their own deadline and a little more; one still running then is killed, so none outlives us.
  const workersDeadlineMs = serverDeadlineMs(config) + 2_000;
  const shutdown = onShutdown(logger, workersDeadlineMs + 15_000, async () => {
    stopping = true;
    const workers = () => (cluster.workers ? Object.values(cluster.workers) : []);
    for (const worker of workers()) worker?.process.kill('SIGTERM');
    const late = setTimeout(() => {
      for (const worker of workers()) {
        logger.error({ worker: worker?.id }, 'worker did not stop in time: killing it');
        worker?.process.kill('SIGKILL');
      }
    }, workersDeadlineMs);
    const codes = await Promise.all(exited.values());
    clearTimeout(late);
    await embedded?.stop();
    logger.info({ workers: codes.length }, 'stopped');
    return failed || codes.some((code) => code !== 0) ? 1 : 0;
  });

  warnIfOpen(config, logger);
  try {
    const database = await startDatabase(config, logger);
    embedded = database.embedded;
    const orm = await initOrm(database.url, 2);
    try {
      await prepareDatabase(orm, logger);
    } finally {
      await orm.close(true);
    }
    serveClusterMetrics();
    let listening = 0;
    cluster.on('listening', (_worker, address) => {
      if (++listening !== config.workers) return;
      logger.info(
        {
          url: `http://${config.host}:${address.port}/graphql`,
          port: address.port,
          workers: config.workers,
          database: embedded ? 'embedded' : 'external',
          env: config.nodeEnv,
        },
        'listening',
      );
    });
    for (let i = 0; i < config.workers; i++) fork(database.url);
  } catch (error) {
    logger.fatal({ err: error }, 'start-up failed');
    failed = true;
    await shutdown('start-up failed');
  }
}

const config = loadConfigOrExit();
const logger = createLogger(config);
if (config.workers > 1 && cluster.isPrimary) {
  void runPrimary(config, logger);
} else {
  void runServer(config, cluster.isWorker ? logger.child({ worker: cluster.worker?.id }) : logger);
}
