// npm run bench -- [--scenario burst,storm,hot,spread,transfer,batch,live,webhooks] [--systems service,apollo-sql] [--workers N]
//   [--requests N] [--json] [--profile DIR] [--node-args FLAGS] [--live-waves N] [--token JWT]
// Starts a fresh embedded PostgreSQL, the service (production build) and four references in separate
// processes, runs each scenario against all five, checks every exact outcome, and prints one table.
// References: apollo-stub (Apollo Server 5 answering at once: the floor of the stack), apollo-sql (Apollo
// Server 5, one transaction per request: a careful hand-written service), per-request SQL (the same on bare
// node:http) and bare HTTP (node:http answering at once: the ceiling of the platform). `live` (scripts/bench/live.ts)
// runs two more service processes on a database of its own: subscribers on one, a burst through the other.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import pg from 'pg';
import { startEmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { checkInvariants } from '../src/db/invariants.js';
import { initOrm } from '../src/db/orm.js';
import { prepareDatabase } from '../src/prepare-database.js';
import { createLogger } from '../src/logger.js';
import { runBatchBench, type BatchBenchResult } from './bench/batch.js';
import { runLiveBench, type LiveBenchResult } from './bench/live.js';
import { runWebhookBench, type WebhookBenchResult } from './bench/webhooks.js';
import { runLoad, type LoadResult } from './bench/load.js';
import { cpuMs, rssMb } from './bench/process-stats.js';
import { insertUsers } from './bench/users.js';
import { seededRandom } from './lib/random.js';
import { spawnServer, type SpawnedServer } from './lib/spawn-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SCENARIOS = ['burst', 'storm', 'hot', 'spread', 'transfer'] as const;
type ScenarioName = (typeof SCENARIOS)[number];
const LIVE = 'live';
/** Batches of 1,000 transfers through `batch`, and the same through node-postgres (scripts/bench/batch.ts). */
const BATCH = 'batch';
/** What webhooks cost: burst and spread with 3 endpoints vs none, and a backlog drained (scripts/bench/webhooks.ts). */
const WEBHOOKS = 'webhooks';
type SystemName = 'service' | 'apollo-stub' | 'apollo-sql' | 'per-request SQL' | 'bare HTTP';

/** One request of a scenario: a balance change, or a transfer when `toUserId` is set. */
interface Op {
  userId: number;
  amount: number;
  toUserId?: number;
}

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: [...SCENARIOS, BATCH, LIVE, WEBHOOKS].join(',') },
    workers: { type: 'string', default: '1' },
    requests: { type: 'string' },
    json: { type: 'boolean', default: false },
    // Writes a V8 CPU profile of the service process(es) into DIR when they stop.
    profile: { type: 'string' },
    // The service runs as in production, with AUTH_MODE=jwt. By default the bench makes up a JWT_SECRET and
    // signs a service token itself; with --token it sends that token and starts the service with the
    // JWT_SECRET (and JWT_ISSUER / JWT_AUDIENCE) of its own environment.
    token: { type: 'string' },
    // Measure only these systems (all are started), e.g. `--systems service,apollo-sql` while tuning settings.
    systems: { type: 'string' },
    // Node/V8 flags for the service processes only (not the references or the load), e.g.
    // `--node-args=--max-semi-space-size=32` (with `=`: the value starts with a dash) to weigh a memory setting
    // against throughput.
    'node-args': { type: 'string', default: '' },
    // Waves of the live scenario on its subscribers' process (fresh, warm, and more to see where RSS settles).
    'live-waves': { type: 'string', default: '2' },
    // The webhooks scenario: runs of burst and spread with and without endpoints; events of its backlog (0: none).
    'webhook-runs': { type: 'string', default: '3' },
    'webhook-backlog': { type: 'string', default: '100000' },
  },
});
const named = args.scenario.split(',').map((name) => name.trim());
const liveWaves = Number(args['live-waves']);
if (!Number.isInteger(liveWaves) || liveWaves < 2) throw new Error('--live-waves must be a whole number >= 2');
for (const name of named) {
  if (!SCENARIOS.includes(name as ScenarioName) && name !== LIVE && name !== BATCH && name !== WEBHOOKS) {
    throw new Error(`unknown scenario "${name}" (choose from ${[...SCENARIOS, BATCH, LIVE, WEBHOOKS].join(', ')})`);
  }
}
const selected = named.filter((name) => name !== LIVE && name !== BATCH && name !== WEBHOOKS) as ScenarioName[];
const webhooksSelected = named.includes(WEBHOOKS);
const liveSelected = named.includes(LIVE);
const batchSelected = named.includes(BATCH);
const workers = Number(args.workers);
const requestsOverride = args.requests === undefined ? undefined : Number(args.requests);
const say = (line: string) => (args.json ? process.stderr : process.stdout).write(`${line}\n`);

// ---------------------------------------------------------------- the systems under test
interface System {
  name: SystemName;
  headers?: Record<string, string>;
  server: SpawnedServer;
  origin: string;
  path: string;
  db?: pg.Pool;
  body(op: Op): string;
  classify(status: number, body: string): string;
  retries(): Promise<number | undefined>;
  /** Transactions of the balance path so far (the service's rounds); absent for the references. */
  rounds?(): Promise<number>;
}

const MUTATION =
  'mutation Update($userId: ID!, $amount: Int!) { updateBalance(userId: $userId, amount: $amount) { __typename ... on BalanceUpdated { balance } } }';
const TRANSFER =
  'mutation Transfer($from: ID!, $to: ID!, $amount: SafeInt!) { transfer(fromUserId: $from, toUserId: $to, amount: $amount) { __typename } }';

/** The same GraphQL request for the service and the Apollo references. */
function graphqlBody(op: Op): string {
  return op.toUserId === undefined
    ? JSON.stringify({ query: MUTATION, variables: { userId: String(op.userId), amount: op.amount } })
    : JSON.stringify({
        query: TRANSFER,
        variables: { from: String(op.userId), to: String(op.toUserId), amount: op.amount },
      });
}

function classifyGraphQL(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { data?: Record<string, { __typename: string }>; errors?: unknown[] };
    const answer = parsed.data && Object.values(parsed.data)[0];
    return answer?.__typename ?? (parsed.errors ? 'GraphQLError' : `HTTP ${status}`);
  } catch {
    return `HTTP ${status}`;
  }
}

function classifyReference(status: number, body: string): string {
  try {
    return (JSON.parse(body) as { result: string }).result;
  } catch {
    return `HTTP ${status}`;
  }
}

/** A reference server: GraphQL (the Apollo ones, at `/`) or JSON (`/update`); with a database to check. */
function referenceSystem(
  name: SystemName,
  server: SpawnedServer,
  speaks: 'graphql' | 'json',
  databaseUrl?: string,
): System {
  return {
    name,
    server,
    origin: `http://127.0.0.1:${server.port}`,
    path: speaks === 'graphql' ? '/' : '/update',
    db: databaseUrl === undefined ? undefined : new pg.Pool({ connectionString: databaseUrl, max: 2 }),
    body: speaks === 'graphql' ? graphqlBody : (op) => JSON.stringify(op),
    classify: speaks === 'graphql' ? classifyGraphQL : classifyReference,
    retries: async () => 0,
  };
}

/** How the service processes are started (production, AUTH_MODE=jwt) and the token they accept. */
interface ServiceAuth {
  env: NodeJS.ProcessEnv;
  /** Role service (the load); role admin (webhook endpoints). */
  token: string;
  adminToken: string;
}

/** Node options of the service processes: `--node-args`, and a V8 CPU profile into `--profile DIR` when they stop. */
const serviceNodeArgs = [
  ...args['node-args'].split(' ').filter(Boolean),
  ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args.profile)}`] : []),
];

async function startSystems(
  adminUrl: (db: string) => Promise<string>,
): Promise<{ systems: System[]; auth: ServiceAuth; prepare(name: string): Promise<string> }> {
  const logger = createLogger({ logLevel: 'warn' });
  const prepare = async (name: string) => {
    const url = await adminUrl(name);
    const orm = await initOrm(url, 2);
    await prepareDatabase(orm, logger);
    await orm.close(true);
    return url;
  };
  const [serviceUrl, sqlUrl, apolloSqlUrl] = await Promise.all([
    prepare('bench_service'),
    prepare('bench_sql'),
    prepare('bench_apollo_sql'),
  ]);
  const env = { ...process.env, PORT: '0', LOG_LEVEL: 'info' };
  if (args.token !== undefined && !process.env['JWT_SECRET']) {
    throw new Error('--token needs the JWT_SECRET that verifies it in the environment');
  }
  const jwtSecret = args.token === undefined ? randomBytes(32).toString('hex') : process.env['JWT_SECRET']!;
  const token =
    args.token ??
    (await new SignJWT({ role: 'service' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bench')
      .setExpirationTime('2h')
      .sign(new TextEncoder().encode(jwtSecret)));
  // Webhook endpoints are an admin's (the webhooks scenario creates them).
  const adminToken = await new SignJWT({ role: 'admin' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench')
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(jwtSecret));
  const serviceEnv = { ...env, NODE_ENV: 'production', AUTH_MODE: 'jwt', JWT_SECRET: jwtSecret };
  const service = await spawnServer(process.execPath, [...serviceNodeArgs, 'dist/src/main.js'], {
    cwd: root,
    env: { ...serviceEnv, DATABASE_URL: serviceUrl, WORKERS: String(workers) },
  });
  const reference = (mode: string, databaseUrl = '') =>
    spawnServer(process.execPath, ['--import', 'tsx', 'scripts/bench/reference-server.ts', mode], {
      cwd: root,
      env: { ...env, DATABASE_URL: databaseUrl },
    });
  const apollo = (mode: string, databaseUrl = '') =>
    spawnServer(process.execPath, ['--import', 'tsx', 'scripts/bench/reference-apollo.ts', mode], {
      cwd: root,
      env: { ...env, NODE_ENV: 'production', DATABASE_URL: databaseUrl },
    });
  const [apolloStub, apolloSql, sql, bare] = await Promise.all([
    apollo('stub'),
    apollo('sql', apolloSqlUrl),
    reference('sql', sqlUrl),
    reference('bare'),
  ]);
  const serviceOrigin = `http://127.0.0.1:${service.port}`;
  const systems: System[] = [
    {
      name: 'service',
      headers: { authorization: `Bearer ${token}` },
      server: service,
      origin: serviceOrigin,
      path: '/graphql',
      db: new pg.Pool({ connectionString: serviceUrl, max: 2 }),
      body: graphqlBody,
      classify: classifyGraphQL,
      // With several workers /metrics answers for all of them (the primary sums their counters).
      retries: async () => {
        const text = await (await fetch(`${serviceOrigin}/metrics`)).text();
        return Number(/^balance_version_conflicts_total (\d+)/m.exec(text)?.[1] ?? NaN);
      },
      rounds: async () => {
        const text = await (await fetch(`${serviceOrigin}/metrics`)).text();
        return Number(/^balance_rounds_total (\d+)/m.exec(text)?.[1] ?? NaN);
      },
    },
    referenceSystem('apollo-stub', apolloStub, 'graphql'),
    referenceSystem('apollo-sql', apolloSql, 'graphql', apolloSqlUrl),
    referenceSystem('per-request SQL', sql, 'json', sqlUrl),
    referenceSystem('bare HTTP', bare, 'json'),
  ];
  return { systems, auth: { env: serviceEnv, token, adminToken }, prepare };
}

// ---------------------------------------------------------------- scenarios
interface Prepared {
  op(index: number): Op;
  /** Problems with the outcome; empty when it is exactly right. */
  verify(counts: Record<string, number>): Promise<string[]>;
}

interface Scenario {
  name: ScenarioName;
  runs: number;
  requests: number;
  inFlight: 'all' | number;
  connections: (requests: number) => number;
  prepare(db: pg.Pool | undefined, requests: number): Promise<Prepared>;
}

async function balanceSum(db: pg.Pool, ids: number[]): Promise<number> {
  const { rows } = await db.query<{ total: string }>('select sum(balance) as total from users where id = any($1)', [
    ids,
  ]);
  return Number(rows[0]?.total);
}

/** The same invariants as `npm run verify`, as problem lines. */
async function ledgerProblems(db: pg.Pool): Promise<string[]> {
  const report = await checkInvariants(async (sql) => (await db.query(sql)).rows as Record<string, unknown>[]);
  return report.violations.slice(0, 5).map((v) => `user ${v.userId}: ${v.invariant}: ${v.detail}`);
}

function expectCounts(counts: Record<string, number>, expected: Record<string, number>): string[] {
  const keys = new Set([...Object.keys(counts), ...Object.keys(expected)]);
  return [...keys]
    .filter((key) => (counts[key] ?? 0) !== (expected[key] ?? 0))
    .map((key) => `${key}: expected ${expected[key] ?? 0}, got ${counts[key] ?? 0}`);
}

/** For a system without a database (bare HTTP, apollo-stub): every request answered, none failed. */
function answeredProblems(counts: Record<string, number>, requests: number): string[] {
  const failed = Object.keys(counts).filter((key) => /^(HTTP|GraphQLError|Lost)/.test(key));
  const answered = Object.values(counts).reduce((sum, n) => sum + n, 0);
  return [
    ...failed.map((key) => `${counts[key]} x ${key}`),
    ...(answered === requests ? [] : [`${answered} answers for ${requests} requests`]),
  ];
}

/** The reference test: balance N, N withdrawals of 2 at once: exactly half succeed, the final balance is 0. */
const withdrawHalf = async (db: pg.Pool | undefined, requests: number): Promise<Prepared> => {
  const [userId] = await insertUsers(db, 1, requests);
  return {
    op: () => ({ userId: userId!, amount: -2 }),
    async verify(counts) {
      const half = Math.floor(requests / 2);
      if (!db) return answeredProblems(counts, requests);
      const problems = expectCounts(counts, { BalanceUpdated: half, InsufficientFunds: requests - half });
      const final = await balanceSum(db, [userId!]);
      if (final !== requests - 2 * half) problems.push(`final balance ${final}, expected ${requests - 2 * half}`);
      return [...problems, ...(await ledgerProblems(db))];
    },
  };
};

const scenarios: Record<ScenarioName, Scenario> = {
  burst: { name: 'burst', runs: 3, requests: 10_000, inFlight: 'all', connections: () => 100, prepare: withdrawHalf },
  storm: {
    name: 'storm',
    runs: 5,
    requests: 10_000,
    inFlight: 'all',
    // One connection per request, all opened at once.
    connections: (requests) => requests,
    prepare: withdrawHalf,
  },
  hot: {
    name: 'hot',
    runs: 3,
    requests: 20_000,
    inFlight: 200,
    connections: () => 200,
    async prepare(db, requests) {
      const [userId] = await insertUsers(db, 1, 10_000);
      return {
        op: (i) => ({ userId: userId!, amount: i % 2 === 0 ? 3 : -3 }),
        async verify(counts) {
          if (!db) return answeredProblems(counts, requests);
          const problems = expectCounts(counts, { BalanceUpdated: requests });
          const expected = 10_000 + (requests % 2 === 0 ? 0 : 3);
          const final = await balanceSum(db, [userId!]);
          if (final !== expected) problems.push(`final balance ${final}, expected ${expected}`);
          return [...problems, ...(await ledgerProblems(db))];
        },
      };
    },
  },
  spread: {
    name: 'spread',
    runs: 3,
    requests: 20_000,
    inFlight: 200,
    connections: () => 200,
    async prepare(db, requests) {
      const ids = await insertUsers(db, 10_000, 1000);
      const random = seededRandom(42);
      const ops = Array.from({ length: requests }, () => ({
        userId: ids[Math.floor(random() * ids.length)]!,
        amount: random() < 0.5 ? -1 : 1,
      }));
      const expectedSum = ids.length * 1000 + ops.reduce((sum, op) => sum + op.amount, 0);
      return {
        op: (i) => ops[i]!,
        async verify(counts) {
          if (!db) return answeredProblems(counts, requests);
          const problems = expectCounts(counts, { BalanceUpdated: requests });
          const total = await balanceSum(db, ids);
          if (total !== expectedSum) problems.push(`sum of balances ${total}, expected ${expectedSum}`);
          return [...problems, ...(await ledgerProblems(db))];
        },
      };
    },
  },
  transfer: {
    name: 'transfer',
    runs: 3,
    requests: 10_000,
    inFlight: 200,
    connections: () => 200,
    // Random transfers among 1,000 users: the total is conserved whatever succeeds.
    async prepare(db, requests) {
      const ids = await insertUsers(db, 1000, 1000);
      const random = seededRandom(7);
      const ops = Array.from({ length: requests }, (): Op => {
        const from = Math.floor(random() * ids.length);
        const to = (from + 1 + Math.floor(random() * (ids.length - 1))) % ids.length;
        return { userId: ids[from]!, toUserId: ids[to]!, amount: 1 + Math.floor(random() * 50) };
      });
      return {
        op: (i) => ops[i]!,
        async verify(counts) {
          if (!db) return answeredProblems(counts, requests);
          const completed = counts['TransferCompleted'] ?? 0;
          const problems = expectCounts(counts, {
            TransferCompleted: completed,
            InsufficientFunds: requests - completed,
          });
          const total = await balanceSum(db, ids);
          if (total !== ids.length * 1000) problems.push(`sum of balances ${total}, expected ${ids.length * 1000}`);
          return [...problems, ...(await ledgerProblems(db))];
        },
      };
    },
  },
};

// ---------------------------------------------------------------- running
interface Row {
  scenario: ScenarioName;
  system: SystemName;
  runs: number;
  requests: number;
  problems: string[];
  lost: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  retries: number | undefined;
  /** Requests per transaction of the balance path (group commit), for the service. */
  perRound: number | undefined;
  rssMb: number;
}

async function measure(system: System, scenario: Scenario, requests: number) {
  const prepared = await scenario.prepare(system.db, requests);
  const retriesBefore = await system.retries();
  const roundsBefore = await system.rounds?.();
  const cpuBefore = cpuMs(system.server.child.pid!);
  const result: LoadResult = await runLoad({
    origin: system.origin,
    path: system.path,
    requests,
    inFlight: scenario.inFlight,
    connections: scenario.connections(requests),
    body: (i) => {
      return system.body(prepared.op(i));
    },
    classify: system.classify,
    headers: system.headers,
  });
  const cpuUsPerRequest = ((cpuMs(system.server.child.pid!) - cpuBefore) * 1000) / requests;
  const retriesAfter = await system.retries();
  const roundsAfter = await system.rounds?.();
  const problems = await prepared.verify(result.counts);
  if (result.lostErrors.length > 0) problems.push(`lost requests, e.g. ${result.lostErrors[0]}`);
  return {
    result,
    cpuUsPerRequest,
    retries: retriesBefore === undefined || retriesAfter === undefined ? undefined : retriesAfter - retriesBefore,
    perRound:
      roundsBefore === undefined || roundsAfter === undefined ? undefined : requests / (roundsAfter - roundsBefore),
    problems,
  };
}

async function warmUp(system: System): Promise<void> {
  const [userId] = await insertUsers(system.db, 1, 1_000_000);
  await runLoad({
    origin: system.origin,
    path: system.path,
    requests: 3000,
    inFlight: 'all',
    connections: 100,
    body: (i) => system.body({ userId: userId!, amount: i % 2 === 0 ? 1 : -1 }),
    classify: system.classify,
    headers: system.headers,
  });
}

const medianOf = (values: number[]): number => median(values, (value) => value);

function median<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
}

async function main(): Promise<number> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'balance-bench-'));
  const database = await startEmbeddedDatabase({
    dataDir,
    database: 'postgres',
    logger: createLogger({ logLevel: 'warn' }),
    // Commit timestamps: the live scenario measures delivery from each change's commit.
    settings: { max_connections: '300', track_commit_timestamp: 'on' },
  });
  let started: System[] = [];
  const rows: Row[] = [];
  let live: LiveBenchResult | undefined;
  let batch: BatchBenchResult | undefined;
  let webhooks: WebhookBenchResult | undefined;
  try {
    const setup = await startSystems((name) => database.createDatabase(name));
    started = setup.systems;
    say(
      `bench: service with WORKERS=${workers} (production build) vs ${started
        .slice(1)
        .map((s) => s.name)
        .join(', ')}; warming up`,
    );
    const measured = args.systems?.split(',').map((name) => name.trim());
    const systems = measured ? started.filter((system) => measured.includes(system.name)) : started;
    for (const system of systems) await warmUp(system);
    for (const name of selected) {
      const scenario = scenarios[name];
      const requests = requestsOverride ?? scenario.requests;
      for (const system of systems) {
        const runs = [];
        for (let run = 1; run <= scenario.runs; run++) {
          runs.push(await measure(system, scenario, requests));
          const last = runs[runs.length - 1]!;
          say(
            `  ${name} / ${system.name} run ${run}: ${last.result.requestsPerSecond.toFixed(0)} req/s` +
              (last.problems.length ? `  WRONG: ${last.problems.join('; ')}` : '  exact'),
          );
        }
        const typical = median(runs, (run) => run.result.requestsPerSecond);
        rows.push({
          scenario: name,
          system: system.name,
          runs: runs.length,
          requests,
          problems: runs.flatMap((run) => run.problems),
          lost: runs.reduce((sum, run) => sum + (run.result.counts['Lost'] ?? 0), 0),
          requestsPerSecond: typical.result.requestsPerSecond,
          p50Ms: typical.result.p50Ms,
          p99Ms: typical.result.p99Ms,
          cpuUsPerRequest: typical.cpuUsPerRequest,
          retries: runs.every((run) => run.retries !== undefined)
            ? runs.reduce((s, run) => s + run.retries!, 0)
            : undefined,
          perRound: typical.perRound,
          rssMb: rssMb(system.server.child.pid!),
        });
      }
    }
    if (batchSelected) {
      const service = started[0]!;
      say('batch: 40 batches of 1,000 transfers among 10,000 users, 4 in flight');
      batch = await runBatchBench({
        origin: service.origin,
        headers: service.headers ?? {},
        pid: service.server.child.pid!,
        db: service.db!,
        referenceDatabaseUrl: await setup.prepare('bench_batch_sql'),
        batches: 40,
        size: 1000,
        inFlight: 4,
        users: 10_000,
        say,
      });
    }
    if (liveSelected) {
      say('live: subscribers on one service process, the burst through another (same database)');
      live = await runLiveBench({
        root,
        databaseUrl: await setup.prepare('bench_live'),
        env: setup.auth.env,
        token: setup.auth.token,
        nodeArgs: serviceNodeArgs,
        subscribers: 1000,
        requests: requestsOverride ?? 10_000,
        waves: liveWaves,
        say,
      });
    }
    if (webhooksSelected) {
      say('webhooks: burst and spread without endpoints and with 3 (every event), then a backlog drained');
      webhooks = await runWebhookBench({
        root,
        databaseUrl: await setup.prepare('bench_webhooks'),
        env: setup.auth.env,
        token: setup.auth.token,
        adminToken: setup.auth.adminToken,
        nodeArgs: serviceNodeArgs,
        runs: Number(args['webhook-runs']),
        backlog: Number(args['webhook-backlog']),
        say,
      });
    }
  } finally {
    await Promise.all(started.map((system) => system.server.stop()));
    await Promise.all(started.map((system) => system.db?.end()));
    await database.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  const serviceStops = started[0]?.server.logs.filter((line) => line.msg === 'stopped' && line.stats) ?? [];
  const totalConflicts = serviceStops.reduce(
    (sum, line) => sum + ((line.stats as Record<string, number>).versionConflicts ?? 0),
    0,
  );

  const ratio = (scenario: ScenarioName, against: SystemName) => {
    const service = rows.find((row) => row.scenario === scenario && row.system === 'service');
    const other = rows.find((row) => row.scenario === scenario && row.system === against);
    return service && other ? service.requestsPerSecond / other.requestsPerSecond : undefined;
  };
  const serviceRow = (scenario: ScenarioName) =>
    rows.find((row) => row.scenario === scenario && row.system === 'service');
  const lastServiceRow = rows.filter((row) => row.system === 'service').at(-1);
  type Target = { target: string; value: number | undefined; met: (v: number) => boolean; show: (v: number) => string };
  const ratioTarget = (scenario: ScenarioName, against: SystemName, min: number): Target => ({
    target: `${scenario}: >= ${min}x ${against}`,
    value: ratio(scenario, against),
    met: (v) => v >= min,
    show: (v) => `${v.toFixed(2)}x`,
  });
  const serviceValue = (scenario: ScenarioName, field: 'requestsPerSecond' | 'cpuUsPerRequest') =>
    serviceRow(scenario)?.[field];
  const between = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a / b;
  const targets: Target[] = [
    ratioTarget('burst', 'apollo-stub', 0.9),
    ratioTarget('burst', 'per-request SQL', 3),
    {
      target: 'burst: <= 150 us server CPU per request',
      value: serviceRow('burst')?.cpuUsPerRequest,
      met: (v) => v <= 150,
      show: (v) => `${v.toFixed(0)} us`,
    },
    {
      target: 'storm: 0 lost requests',
      value: serviceRow('storm')?.lost,
      met: (v) => v === 0,
      show: (v) => `${v} lost`,
    },
    ratioTarget('hot', 'per-request SQL', 3),
    ratioTarget('spread', 'apollo-sql', 2.5),
    {
      target: "spread: >= 0.75x the service's own burst throughput",
      value: between(serviceValue('spread', 'requestsPerSecond'), serviceValue('burst', 'requestsPerSecond')),
      met: (v) => v >= 0.75,
      show: (v) => `${v.toFixed(2)}x`,
    },
    {
      target: 'spread: CPU per request <= 1.5x that on burst',
      value: between(serviceValue('spread', 'cpuUsPerRequest'), serviceValue('burst', 'cpuUsPerRequest')),
      met: (v) => v <= 1.5,
      show: (v) => `${v.toFixed(2)}x`,
    },
    ratioTarget('transfer', 'apollo-sql', 2),
    {
      target: 'batch: >= 10x the transfers per second of one transfer per request (transfer scenario)',
      value: between(batch?.service.transfersPerSecond, serviceValue('transfer', 'requestsPerSecond')),
      met: (v) => v >= 10,
      show: (v) =>
        `${v.toFixed(1)}x (${batch!.service.transfersPerSecond.toFixed(0)} vs ` +
        `${serviceValue('transfer', 'requestsPerSecond')!.toFixed(0)}; ` +
        `${batch!.service.cpuUsPerTransfer?.toFixed(1)} us CPU per transfer)`,
    },
    {
      target: 'batch: >= 0.5x the plain-SQL reference (node-postgres, the same batches)',
      value: between(batch?.service.transfersPerSecond, batch?.reference.transfersPerSecond),
      met: (v) => v >= 0.5,
      show: (v) => `${v.toFixed(2)}x (${batch!.reference.transfersPerSecond.toFixed(0)} transfers/s)`,
    },
    {
      target: 'live: every subscriber ends at the final balance and version (both waves)',
      value: live && Math.min(live.fresh.atFinalState, live.warm.atFinalState) / live.subscribers,
      met: (v) => v === 1,
      show: () => `fresh ${live!.fresh.atFinalState}, warm ${live!.warm.atFinalState} of ${live!.subscribers}`,
    },
    {
      target: 'live: p99 commit to delivery < 250 ms (both waves)',
      value: live && Math.max(live.fresh.p99Ms, live.warm.p99Ms),
      met: (v) => v < 250,
      show: () =>
        [live!.fresh, live!.warm]
          .map(
            (w, i) =>
              `${i ? 'warm' : 'fresh'} ${w.p99Ms.toFixed(0)} ms (p50 ${w.p50Ms.toFixed(0)}, ${w.messages} msgs)`,
          )
          .join(', '),
    },
    {
      target: "live: subscribers' server RSS growth < 100 MB (second wave, same process warm)",
      value: live && live.warm.rssAfterMb - live.warm.rssBeforeMb,
      met: (v) => v < 100,
      show: (v) => `${v.toFixed(0)} MB (${live!.warm.rssBeforeMb.toFixed(0)} -> ${live!.warm.rssAfterMb.toFixed(0)})`,
    },
    {
      target: "live: subscribers' server RSS growth < 100 MB (first wave, fresh process)",
      value: live && live.fresh.rssAfterMb - live.fresh.rssBeforeMb,
      met: (v) => v < 100,
      show: (v) => {
        const http = live!.httpBurstOnFresh;
        return (
          `${v.toFixed(0)} MB (${live!.fresh.rssBeforeMb.toFixed(0)} -> ${live!.fresh.rssAfterMb.toFixed(0)}; ` +
          `a fresh process's first HTTP burst, no subscribers: ${(http.rssAfterMb - http.rssBeforeMb).toFixed(0)} MB)`
        );
      },
    },
    {
      target: 'live: burst with 1,000 idle subscribers >= 0.9x without',
      value: live && live.burstWithIdle / live.burstAlone,
      met: (v) => v >= 0.9,
      show: (v) => `${v.toFixed(2)}x (${live!.burstWithIdle.toFixed(0)} vs ${live!.burstAlone.toFixed(0)} req/s)`,
    },
    {
      target: 'webhooks: burst with 3 endpoints taking every event >= 0.9x without (medians)',
      value: webhooks?.burst.with.length ? medianOf(webhooks.burst.with) / medianOf(webhooks.burst.without) : undefined,
      met: (v) => v >= 0.9,
      show: (v) =>
        `${v.toFixed(2)}x (${webhooks!.burst.with.map((r) => r.toFixed(0)).join('/')} vs ` +
        `${webhooks!.burst.without.map((r) => r.toFixed(0)).join('/')} req/s)`,
    },
    {
      target: 'webhooks: spread with 3 endpoints taking every event >= 0.9x without (medians)',
      value: webhooks?.spread.with.length
        ? medianOf(webhooks.spread.with) / medianOf(webhooks.spread.without)
        : undefined,
      met: (v) => v >= 0.9,
      show: (v) =>
        `${v.toFixed(2)}x (${webhooks!.spread.with.map((r) => r.toFixed(0)).join('/')} vs ` +
        `${webhooks!.spread.without.map((r) => r.toFixed(0)).join('/')} req/s; every event at every endpoint ` +
        `within ${(webhooks!.maxDrainAfterLoadMs / 1000).toFixed(1)} s after the load)`,
    },
    {
      target: 'webhooks: a backlog of 100,000 events drains (rate and service CPU per event reported)',
      value: webhooks?.backlog.events ? webhooks.backlog.eventsPerSecond : undefined,
      met: () => webhooks!.problems.length === 0,
      show: (v) =>
        `${v.toFixed(0)} events/s, ${webhooks!.backlog.cpuUsPerEvent.toFixed(0)} us CPU per event ` +
        `(${webhooks!.backlog.events} in ${webhooks!.backlog.seconds.toFixed(1)} s)`,
    },
    {
      target: 'server RSS after all scenarios < 300 MB',
      value: lastServiceRow?.rssMb,
      met: (v) => v < 300,
      show: (v) => `${v.toFixed(0)} MB`,
    },
  ];
  const targetResults = targets
    .filter((t): t is Target & { value: number } => t.value !== undefined)
    .map((t) => ({ target: t.target, value: t.show(t.value), met: t.met(t.value) }));
  const wrong = rows.filter((row) => row.problems.length > 0);

  if (args.json) {
    process.stdout.write(
      `${JSON.stringify({ workers, rows, live, batch, webhooks, targets: targetResults, versionConflicts: totalConflicts })}\n`,
    );
  } else {
    const header = [
      'scenario',
      'system',
      'runs',
      'requests',
      'outcome',
      'req/s',
      'p50 ms',
      'p99 ms',
      'CPU us/req',
      'retries',
      'ops/round',
      'RSS MB',
    ];
    const table = rows.map((row) => [
      row.scenario,
      row.system,
      String(row.runs),
      String(row.requests),
      row.problems.length ? 'WRONG' : row.system === 'bare HTTP' || row.system === 'apollo-stub' ? 'n/a' : 'exact',
      row.requestsPerSecond.toFixed(0),
      row.p50Ms.toFixed(1),
      row.p99Ms.toFixed(1),
      row.cpuUsPerRequest.toFixed(0),
      row.retries === undefined ? 'n/a' : String(row.retries),
      row.perRound === undefined ? '-' : row.perRound.toFixed(1),
      row.rssMb.toFixed(0),
    ]);
    const widths = header.map((title, i) => Math.max(title.length, ...table.map((cells) => cells[i]!.length)));
    say('');
    for (const cells of [header, ...table]) say(cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
    say('');
    for (const name of selected) {
      const against = (['apollo-stub', 'apollo-sql', 'per-request SQL', 'bare HTTP'] as const).flatMap((other) => {
        const value = ratio(name, other);
        return value === undefined ? [] : [`${value.toFixed(2)}x ${other}`];
      });
      say(`${name}: service = ${against.join(', ')}`);
    }
    if (workers > 1) say(`version conflicts retried across workers (from their stop logs): ${totalConflicts}`);
    say('');
    for (const result of targetResults) say(`${result.met ? 'met   ' : 'MISSED'} ${result.target}: ${result.value}`);
    for (const row of wrong) say(`WRONG OUTCOME ${row.scenario} / ${row.system}: ${row.problems.join('; ')}`);
    if (live?.problems.length) say(`WRONG OUTCOME live: ${live.problems.join('; ')}`);
    if (webhooks?.problems.length) say(`WRONG OUTCOME webhooks: ${webhooks.problems.join('; ')}`);
    for (const [system, result] of Object.entries(batch ?? {})) {
      if (result.problems.length) say(`WRONG OUTCOME batch / ${system}: ${result.problems.join('; ')}`);
    }
  }
  const batchWrong = batch ? batch.service.problems.length + batch.reference.problems.length : 0;
  const webhooksWrong = webhooks?.problems.length ?? 0;
  return wrong.length > 0 || (live?.problems.length ?? 0) > 0 || batchWrong > 0 || webhooksWrong > 0 ? 1 : 0;
}

process.exitCode = await main();
