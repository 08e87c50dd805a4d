// The `live` scenario of `npm run bench`: subscribers on one server process, a burst through another, on one
// database. Measures commit-to-delivery latency, that every subscriber ends at the final state, the
// subscribers' process's memory growth (on the freshly started process, then again on the same process once
// warm), and what idle subscribers cost a burst.
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
  /** Node options for both server processes (e.g. `--cpu-prof`, V8 heap flags). */
  nodeArgs?: string[];
  subscribers: number;
  requests: number;
  /** Waves of subscribers and a burst on process A (at least 2: fresh, then warm). */
  waves?: number;
  say(line: string): void;
}

/** One wave: `subscribers` connect to process A, `requests` x -1 go through process B, all are delivered. */
export interface LiveWave {
  /** Subscribers whose last message was the final balance and version. */
  atFinalState: number;
  messages: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** From the burst's start until every subscriber had the final state. */
  deliveredMs: number;
  /** Resident memory of process A before the subscribers connected, and after the last delivery. */
  rssBeforeMb: number;
  rssAfterMb: number;
}

export interface LiveBenchResult {
  subscribers: number;
  requests: number;
  /**
   * The first wave runs on the freshly started process A, the second on the same process once the first is
   * over: its growth is what subscribers add to a process whose V8 heap has met a heavy load before (V8 sizes
   * its young generation and old space to the first one, whatever it is: an HTTP burst alone does the same).
   */
  fresh: LiveWave;
  warm: LiveWave;
  /** Process B's resident memory before and after its first burst of `requests` over HTTP (no subscribers). */
  httpBurstOnFresh: { rssBeforeMb: number; rssAfterMb: number };
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
  const start = () =>
    spawnServer(process.execPath, [...(options.nodeArgs ?? []), 'dist/src/main.js'], {
      cwd: options.root,
      env: { ...options.env, DATABASE_URL: options.databaseUrl, WORKERS: '1' },
    });
  const servers: SpawnedServer[] = [];
  const problems: string[] = [];
  try {
    servers.push(await start(), await start());
    const [watched, writer] = servers as [SpawnedServer, SpawnedServer];
    const url = (server: SpawnedServer) => `http://127.0.0.1:${server.port}/graphql`;
    const burst = async (userId: string) => {
      const report = await runBurst({ urls: [url(writer)], userId, amount: -1, requests, token });
      if (report.counts['BalanceUpdated'] !== requests) problems.push(`burst counts ${JSON.stringify(report.counts)}`);
      return report.requestsPerSecond;
    };

    // Idle subscribers: burst throughput through one process without, then with, them connected to it.
    // Process B is fresh too: its first burst shows what any first heavy load does to a fresh process's RSS.
    const idleUser = await insertUser(db, 1);
    const httpRssBeforeMb = rssMb(writer.child.pid!);
    const burstAlone = await burst(await insertUser(db, requests));
    const httpRssAfterMb = rssMb(writer.child.pid!);
    const idle = await subscribe(url(writer), token, idleUser, subscribers, () => undefined);
    const burstWithIdle = await burst(await insertUser(db, requests));
    await idle.close();
    say(
      `  live / idle subscribers: burst ${burstAlone.toFixed(0)} req/s alone, ${burstWithIdle.toFixed(0)} with ${subscribers} idle`,
    );

    // Live: subscribers on process A (untouched so far), the burst through process B.
    const wave = async (name: string): Promise<LiveWave> => {
      const userId = await insertUser(db, requests);
      const rssBeforeMb = rssMb(watched.child.pid!);
      const received: Msg[] = [];
      const last: Msg[] = [];
      const finalVersion = 1 + requests;
      let reached = 0;
      let allReached!: () => void;
      const everyoneFinal = new Promise<void>((resolve) => (allReached = resolve));
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
      const latencies = received.map((message) => {
        const committed = rows[message.version - 1]?.committed;
        return message.received - (committed ? committed.getTime() : message.at);
      });
      latencies.sort((a, b) => a - b);
      const atFinalState = last.filter((m) => m?.version === finalVersion && m.balance === 0).length;
      if (atFinalState !== subscribers) {
        problems.push(`${name}: ${subscribers - atFinalState} subscribers not at the final state`);
      }
      say(
        `  live / ${name}: ${subscribers} subscribers, ${latencies.length} messages, all final after ` +
          `${deliveredMs.toFixed(0)} ms, RSS ${rssBeforeMb.toFixed(0)} -> ${rssAfterMb.toFixed(0)} MB`,
      );
      return {
        atFinalState,
        messages: latencies.length,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        maxMs: latencies.at(-1) ?? NaN,
        deliveredMs,
        rssBeforeMb,
        rssAfterMb,
      };
    };
    const fresh = await wave('fresh process');
    const warm = await wave('same process, warm');
    // More waves (`--live-waves N`) show where the process's memory settles: a high-water mark, not a leak.
    for (let i = 3; i <= (options.waves ?? 2); i++) await wave(`wave ${i}`);

    return {
      subscribers,
      requests,
      fresh,
      warm,
      httpBurstOnFresh: { rssBeforeMb: httpRssBeforeMb, rssAfterMb: httpRssAfterMb },
      burstAlone,
      burstWithIdle,
      problems,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await db.end();
  }
}
