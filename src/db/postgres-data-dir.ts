import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

// The embedded PostgreSQL's files in DATA_DIR: the cluster, its generated password, its postmaster.pid.

/** The superuser the embedded cluster is created with. */
export const POSTGRES_USER = 'postgres';

/** The connection URL of a database on the embedded server (contains the password: never log it). */
export function postgresUrl(password: string, port: number, database: string): string {
  return `postgres://${POSTGRES_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

export async function readOrCreatePassword(file: string, clusterExists: boolean): Promise<string> {
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
  return postgresUrl(password, port, database);
}

/** The pid of the PostgreSQL running on `clusterDir`, from its postmaster.pid; undefined if none runs. */
export async function runningPostmasterPid(clusterDir: string): Promise<number | undefined> {
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
