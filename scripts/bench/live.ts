// The `live` scenario of `npm run bench`: subscribers on one server process, a burst through another, on one
// database. Measures commit-to-delivery latency, that every subscriber ends at the final state, the
// subscribers' process's memory growth, and what idle subscribers cost a burst.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { Client } from 'graphql-ws';
import { percentile, runBurst } from '../../client/burst.js';
import { createLiveClient, watchBalance } from '../../client/live.js';
import { spawnServer, type SpawnedServer } from '../lib/spawn-server.js';
import { rssMb } from './process-stats.js';
import { insertUsers } from './users.js';

export interface LiveBenchOptions {
  root: string;
  databaseUrl: string;
  /** The service's environment (production, AUTH_MODE=jwt with its secret). */
  env: NodeJS.ProcessEnv;
  token: string;
  /** Node options for the subscribers' server process (e.g. `--cpu-prof`). */
  watchedNodeArgs?: string[];
  subscribers: number;
  requests: number;
  say(line: string): void;
}

export interface LiveBenchResult {
  subscribers: number;
  requests: number;
  /** Subscribers whose last message was the final balance and version. */
  atFinalState: number;
  messages: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /**
   * Resident memory of the subscribers' process: fresh (started, nothing served), warm (after serving one
   * burst of the same size over HTTP: V8's heap at its working size), and after the subscribers connected and
   * the burst through the other process was delivered.
   */
  rssFreshMb: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** Burst throughput (req/s) through one process, without and with idle subscribers connected to it. */
  burstAlone: number;
  burstWithIdle: number;
  problems: string[];
}

/** `count` subscribers of `userId`, each on its own connection; resolves once all have their first state. */
async function subscribe(
  url: string,
  token: string,
  userId: string,
  count: number,
  onMessage: (subscriber: number, message: Msg) => void,
): Promise<{ close(): Promise<unknown> }> {
  const clients: Client[] = [];
  const started: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const client = createLiveClient(url, { token, retryAttempts: 0 });
    clients.push(client);
    started.push(
      new Promise<void>((resolve) => {
        void (async () => {
          for await (const message of watchBalance(client, userId)) {
            if (message.__typename !== 'BalanceChange') continue;
            const received = Date.now();
            onMessage(i, { version: message.version, balance: message.balance, at: Date.parse(message.at), received });
            resolve();
          }
        })().catch(() => resolve());
      }),
    );
  }
  await Promise.all(started);
  return { close: () => Promise.all(clients.map((client) => client.dispose())) };
}

interface Msg {
  version: number;
  balance: number;
  at: number;
  received: number;
}

/** One user with `balance`, as a GraphQL id. */
const insertUser = async (db: pg.Pool, balance: number): Promise<string> =>
  String((await insertUsers(db, 1, balance))[0]);

export async function runLiveBench(options: LiveBenchOptions): Promise<LiveBenchResult> {
  const { say, token, subscribers, requests } = options;
  const db = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  const start = (nodeArgs: string[] = []) =>
    spawnServer(process.execPath, [...nodeArgs, 'dist/src/main.js'], {
      cwd: options.root,
      env: { ...options.env, DATABASE_URL: options.databaseUrl, WORKERS: '1' },
    });
  const servers: SpawnedServer[] = [];
  const problems: string[] = [];
  try {
    servers.push(await start(options.watchedNodeArgs), await start());
    const [watched, writer] = servers as [SpawnedServer, SpawnedServer];
    const url = (server: SpawnedServer) => `http://127.0.0.1:${server.port}/graphql`;
    const burst = async (userId: string) => {
      const report = await runBurst({ urls: [url(writer)], userId, amount: -1, requests, token });
      if (report.counts['BalanceUpdated'] !== requests) problems.push(`burst counts ${JSON.stringify(report.counts)}`);
      return report.requestsPerSecond;
    };

    // Idle subscribers: burst throughput through one process without, then with, them connected to it.
    const idleUser = await insertUser(db, 1);
    const burstAlone = await burst(await insertUser(db, requests));
    const idle = await subscribe(url(writer), token, idleUser, subscribers, () => undefined);
    const burstWithIdle = await burst(await insertUser(db, requests));
    await idle.close();
    say(
      `  live / idle subscribers: burst ${burstAlone.toFixed(0)} req/s alone, ${burstWithIdle.toFixed(0)} with ${subscribers} idle`,
    );

    // Live: subscribers on one process, the burst through the other. The process first serves one burst
    // over HTTP, as any server in use has: the first heavy load grows V8's young generation to its working
    // size (128 MB on a machine with this much memory), whatever that load is; the growth measured from there
    // is what subscribers and their messages add. The growth from the fresh process is reported too.
    const rssFreshMb = rssMb(watched.child.pid!);
    await runBurst({ urls: [url(watched)], userId: await insertUser(db, requests), amount: -1, requests, token });
    const userId = await insertUser(db, requests);
    const rssBeforeMb = rssMb(watched.child.pid!);
    const latencies: number[] = [];
    const last: Msg[] = [];
    const finalVersion = 1 + requests;
    let reached = 0;
    let allReached!: () => void;
    const everyoneFinal = new Promise<void>((resolve) => (allReached = resolve));
    const received: Msg[] = [];
    const live = await subscribe(url(watched), token, userId, subscribers, (i, message) => {
      if (message.version > 1) received.push(message);
      last[i] = message;
      if (message.version === finalVersion && ++reached === subscribers) allReached();
    });
    const burstStarted = performance.now();
    await burst(userId);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, 60_000).unref());
    await Promise.race([everyoneFinal, deadline]);
    const deliveredMs = performance.now() - burstStarted;
    const rssAfterMb = rssMb(watched.child.pid!);
    await live.close();
    // From each change's commit (PostgreSQL's commit timestamp of its ledger entry; the user's entries in id
    // order made versions 1, 2, ...), or, without commit timestamps, from its transaction's start (`at`).
    const { rows } = await db.query<{ committed: Date | null }>(
      'select pg_xact_commit_timestamp(xmin) as committed from ledger_entries where user_id = $1 order by id',
      [userId],
    );
    for (const message of received) {
      const committed = rows[message.version - 1]?.committed;
      latencies.push(message.received - (committed ? committed.getTime() : message.at));
    }
    const atFinalState = last.filter((m) => m?.version === finalVersion && m.balance === 0).length;
    if (atFinalState !== subscribers) problems.push(`${subscribers - atFinalState} subscribers not at the final state`);
    latencies.sort((a, b) => a - b);
    say(
      `  live / ${subscribers} subscribers: ${latencies.length} messages, all final after ${deliveredMs.toFixed(0)} ms`,
    );
    return {
      subscribers,
      requests,
      atFinalState,
      messages: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? NaN,
      rssFreshMb,
      rssBeforeMb,
      rssAfterMb,
      burstAlone,
      burstWithIdle,
      problems,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await db.end();
  }
}
