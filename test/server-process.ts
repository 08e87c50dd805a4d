import { fileURLToPath } from 'node:url';
import { spawnServer, type SpawnedServer } from '../scripts/lib/spawn-server.js';
import { initOrm, type Orm } from '../src/db/orm.js';
import { createTestDatabase } from './helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface ServerProcess extends SpawnedServer {
  readonly url: string;
}

/** Runs `src/main.ts` as a real server process and waits until it listens (on a free port). */
export async function startServerProcess(env: Record<string, string>, detached = false): Promise<ServerProcess> {
  const server = await spawnServer(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: '0', ...env },
    detached,
  });
  return Object.assign(server, { url: `http://127.0.0.1:${server.port}/graphql` });
}

/** N server processes on one fresh database, and a connection of the test's own to it. */
export interface ServerCluster {
  readonly servers: readonly ServerProcess[];
  readonly urls: readonly string[];
  readonly databaseUrl: string;
  /** The test's own way to the database (2 connections). */
  readonly orm: Orm;
  /** Stops every process (SIGTERM); resolves with their exit codes. */
  stop(): Promise<(number | null)[]>;
  /** Stops every process still running and closes `orm`. */
  close(): Promise<void>;
}

/**
 * Starts `count` server processes on a fresh database, together (as separate deployments do: one migrates and
 * seeds), `env(i, databaseUrl)` added to the environment of process i (a DATABASE_URL there reaches the same
 * database another way, e.g. through a proxy).
 */
export async function startServers(
  count: number,
  env:
    | Record<string, string>
    | ((i: number, databaseUrl: string) => Record<string, string> | Promise<Record<string, string>>) = {},
): Promise<ServerCluster> {
  const databaseUrl = await createTestDatabase();
  const envOf = typeof env === 'function' ? env : () => env;
  const servers = await Promise.all(
    Array.from({ length: count }, async (_, i) =>
      startServerProcess({ DATABASE_URL: databaseUrl, ...(await envOf(i, databaseUrl)) }),
    ),
  );
  const orm = await initOrm(databaseUrl, 2);
  const stop = () => Promise.all(servers.map((server) => server.stop()));
  return {
    servers,
    urls: servers.map((server) => server.url),
    databaseUrl,
    orm,
    stop,
    async close() {
      await stop();
      await orm.close(true);
    },
  };
}
