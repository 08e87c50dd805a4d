// The `webhooks` scenario of `npm run bench`: what webhooks cost the service. On a service process and a
// database of its own, with a receiver in a process of its own (scripts/bench/webhook-sink.ts):
// - `burst` (10,000 withdrawals of one user) and `spread` (20,000 changes over 10,000 users) without endpoints
//   and with 3 endpoints taking every event, alternating, so the ratio compares runs made side by side;
// - a backlog of ledger entries written at once (one statement) drained to one endpoint: events/s and the
//   service's CPU per event.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { seededRandom } from '../lib/random.js';
import { spawnServer, type SpawnedServer } from '../lib/spawn-server.js';
import { runLoad } from './load.js';
import { cpuMs } from './process-stats.js';
import { insertUsers } from './users.js';

export interface WebhookBenchOptions {
  root: string;
  databaseUrl: string;
  env: NodeJS.ProcessEnv;
  /** A token of role service (the load) and one of role admin (endpoints). */
  token: string;
  adminToken: string;
  nodeArgs?: string[];
  runs: number;
  backlog: number;
  say(line: string): void;
}

export interface WebhookBenchResult {
  /** Requests per second of each run, without and with 3 endpoints. */
  burst: { without: number[]; with: number[] };
  spread: { without: number[]; with: number[] };
  /** The service's CPU per request (us) of the same runs (the load's own, not the deliveries after it). */
  burstCpuUs: { without: number[]; with: number[] };
  spreadCpuUs: { without: number[]; with: number[] };
  /** How long after the load ended the 3 endpoints had every event (the slowest run). */
  maxDrainAfterLoadMs: number;
  backlog: { events: number; seconds: number; eventsPerSecond: number; cpuUsPerEvent: number };
  problems: string[];
}

const UPDATE =
  'mutation Update($userId: ID!, $amount: Int!) { updateBalance(userId: $userId, amount: $amount) { __typename } }';

interface Sink {
  port: number;
  counts(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

async function startSink(root: string): Promise<Sink> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench/webhook-sink.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [first] = (await once(child.stdout, 'data')) as [Buffer];
  const port = Number(first.toString().trim());
  return {
    port,
    async counts() {
      const response = await fetch(`http://127.0.0.1:${port}/counts`);
      return ((await response.json()) as { counts: Record<string, number> }).counts;
    },
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export async function runWebhookBench(options: WebhookBenchOptions): Promise<WebhookBenchResult> {
  const { say, token } = options;
  const db = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  const sink = await startSink(options.root);
  let server: SpawnedServer | undefined;
  const problems: string[] = [];
  try {
    server = await spawnServer(process.execPath, [...(options.nodeArgs ?? []), 'dist/src/main.js'], {
      cwd: options.root,
      env: { ...options.env, DATABASE_URL: options.databaseUrl, WORKERS: '1' },
    });
    const pid = server.child.pid!;
    const origin = `http://127.0.0.1:${server.port}`;
    const graphql = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.adminToken}` },
        body: JSON.stringify({ query, variables }),
      });
      const answer = (await response.json()) as { data?: Record<string, Record<string, unknown>>; errors?: unknown };
      if (!answer.data) throw new Error(`webhooks bench: ${JSON.stringify(answer.errors)}`);
      return answer.data;
    };
    const createEndpoint = async (path: string): Promise<string> => {
      const { createWebhookEndpoint } = await graphql(
        'mutation C($url: String!) { createWebhookEndpoint(url: $url, events: ["*"]) { __typename ... on WebhookEndpointCreated { endpoint { id } } } }',
        { url: `http://127.0.0.1:${sink.port}${path}` },
      );
      return (createWebhookEndpoint as { endpoint: { id: string } }).endpoint.id;
    };
    const disable = (id: string) =>
      graphql('mutation D($id: ID!) { disableWebhookEndpoint(id: $id) { __typename } }', { id });
    const load = async (ops: { userId: number; amount: number }[], inFlight: 'all' | number, connections: number) => {
      const cpuBefore = cpuMs(pid);
      const result = await runLoad({
        origin,
        path: '/graphql',
        requests: ops.length,
        inFlight,
        connections,
        headers: { authorization: `Bearer ${token}` },
        body: (i) =>
          JSON.stringify({ query: UPDATE, variables: { userId: String(ops[i]!.userId), amount: ops[i]!.amount } }),
        classify: (_, body) => /"__typename":"(\w+)"/.exec(body)?.[1] ?? 'Error',
      });
      if (result.counts['BalanceUpdated'] !== ops.length)
        problems.push(`load answered ${JSON.stringify(result.counts)}`);
      return { rate: result.requestsPerSecond, cpuUs: ((cpuMs(pid) - cpuBefore) * 1000) / ops.length };
    };
    const burstOps = async () => {
      const [userId] = await insertUsers(db, 1, 10_000);
      return Array.from({ length: 10_000 }, () => ({ userId: userId!, amount: -1 }));
    };
    const spreadUsers = await insertUsers(db, 10_000, 1000);
    const spreadOps = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 20_000 }, () => ({
        userId: spreadUsers[Math.floor(random() * spreadUsers.length)]!,
        amount: random() < 0.5 ? -1 : 1,
      }));
    };
    /** Waits until each path of `paths` counts `events` more than `before`. */
    const drained = async (paths: string[], before: Record<string, number>, events: number, timeoutMs: number) => {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const counts = await sink.counts();
        if (paths.every((path) => (counts[path] ?? 0) - (before[path] ?? 0) >= events)) return true;
        if (performance.now() > deadline) {
          problems.push(`webhooks: not drained within ${timeoutMs} ms: ${JSON.stringify(counts)}`);
          return false;
        }
        await delay(100);
      }
    };

    await load(await burstOps(), 'all', 100); // warm-up
    const result: WebhookBenchResult = {
      burst: { without: [], with: [] },
      spread: { without: [], with: [] },
      burstCpuUs: { without: [], with: [] },
      spreadCpuUs: { without: [], with: [] },
      maxDrainAfterLoadMs: 0,
      backlog: { events: 0, seconds: 0, eventsPerSecond: 0, cpuUsPerEvent: 0 },
      problems,
    };
    for (let run = 1; run <= options.runs; run++) {
      // Alternate which goes first, so that neither side always runs on a warmer process.
      for (const withEndpoints of run % 2 === 1 ? [false, true] : [true, false]) {
        const paths = withEndpoints ? [`/r${run}a`, `/r${run}b`, `/r${run}c`] : [];
        const ids = [];
        for (const path of paths) ids.push(await createEndpoint(path));
        const side = withEndpoints ? 'with' : 'without';
        // Each load starts with nothing left to deliver, and (with endpoints) ends when every event was delivered.
        const measured = async (
          ops: { userId: number; amount: number }[],
          inFlight: 'all' | number,
          connections: number,
        ) => {
          const before = await sink.counts();
          const answered = await load(ops, inFlight, connections);
          const loadEnded = performance.now();
          if (withEndpoints) await drained(paths, before, ops.length, 300_000);
          const drainMs = performance.now() - loadEnded;
          result.maxDrainAfterLoadMs = Math.max(result.maxDrainAfterLoadMs, drainMs);
          return { ...answered, drainMs };
        };
        const burst = await measured(await burstOps(), 'all', 100);
        const spread = await measured(spreadOps(run), 200, 200);
        result.burst[side].push(burst.rate);
        result.spread[side].push(spread.rate);
        result.burstCpuUs[side].push(burst.cpuUs);
        result.spreadCpuUs[side].push(spread.cpuUs);
        for (const id of ids) await disable(id);
        const drain = (ms: number) => (withEndpoints ? `; delivered ${(ms / 1000).toFixed(1)} s after` : '');
        say(
          `  webhooks run ${run} ${withEndpoints ? 'with 3 endpoints' : 'without endpoints'}: burst ${burst.rate.toFixed(0)} req/s ` +
            `(${burst.cpuUs.toFixed(0)} us CPU/req${drain(burst.drainMs)}), spread ${spread.rate.toFixed(0)} req/s ` +
            `(${spread.cpuUs.toFixed(0)} us${drain(spread.drainMs)})`,
        );
      }
    }

    if (options.backlog === 0) return result;
    // The backlog: entries written in one statement (users x entries each), then drained to one endpoint.
    const users = await insertUsers(db, 1000, 1);
    const perUser = Math.ceil(options.backlog / users.length);
    const id = await createEndpoint('/backlog');
    const cpuBefore = cpuMs(pid);
    const started = performance.now();
    await db.query(
      `with written as (
         insert into ledger_entries (user_id, amount, balance_after, kind)
         select u.id, 1, u.balance + g, 'DEPOSIT' from users u, generate_series(1, $2::integer) g
          where u.id = any($1::integer[]) order by u.id, g
         returning user_id
       )
       update users set balance = balance + $2, version = version + $2 where id = any($1::integer[])`,
      [users, perUser],
    );
    const events = users.length * perUser;
    await drained(['/backlog'], {}, events, 600_000);
    const seconds = (performance.now() - started) / 1000;
    result.backlog = {
      events,
      seconds,
      eventsPerSecond: events / seconds,
      cpuUsPerEvent: ((cpuMs(pid) - cpuBefore) * 1000) / events,
    };
    await disable(id);
    say(
      `  webhooks backlog: ${events} events drained in ${seconds.toFixed(1)} s: ${result.backlog.eventsPerSecond.toFixed(0)} events/s, ` +
        `${result.backlog.cpuUsPerEvent.toFixed(0)} us service CPU per event`,
    );
    return result;
  } finally {
    await server?.stop();
    await sink.stop();
    await db.end();
  }
}
