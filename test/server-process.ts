import { fileURLToPath } from 'node:url';
import { spawnServer, type SpawnedServer } from '../scripts/lib/spawn-server.js';

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
