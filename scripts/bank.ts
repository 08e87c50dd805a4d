// A bank-style test under faults (after Jepsen's bank workload): accounts with a known total (some with small
// balances), clients on several server processes doing random transfers and holds (captured, voided or left to
// expire), deposits, withdrawals and set-balances on small wallets, and reading every balance in one snapshot,
// while faults are injected: a server SIGKILLed, PostgreSQL stopped and started, a server cut off from the
// database (network namespaces; root only), then all at once. A checker reads every snapshot and the final
// state against what was asked and answered (scripts/bank/checker.ts). Three webhook endpoints take every event
// meanwhile (receivers that fail, hang and go down during the faults); at the end every entry's event must have
// reached each, in order per user, signed (scripts/bank/webhooks.ts). Exits 1 on any violation.
//   npm run bank -- [--seconds 12] [--servers 3] [--workers 24] [--accounts 8] [--faults kill,pg-restart,partition,all]
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createBalanceClient, SetLimitsDocument, type BalanceClient, type LimitsInput } from '../client/index.js';
import { createLogger } from '../src/logger.js';
import { insertUsers } from './bench/users.js';
import { startBankCluster } from './bank/cluster.js';
import { check, type BankLimits, type Verdict } from './bank/checker.js';
import { runWorkload, type BankOperation } from './bank/workload.js';
import { checkBankWebhooks, startBankWebhooks, type BankWebhooks, type WebhookVerdict } from './bank/webhooks.js';

const FAULTS = ['kill', 'pg-restart', 'partition', 'all'] as const;
/** Accounts that get deposits, withdrawals and set-balances (outside the conserved total). */
const WALLETS = 4;
type Fault = (typeof FAULTS)[number];

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '12' },
    servers: { type: 'string', default: '3' },
    workers: { type: 'string', default: '24' },
    accounts: { type: 'string', default: '8' },
    faults: { type: 'string', default: FAULTS.join(',') },
  },
});
const seconds = Number(values.seconds);
const faults = values.faults.split(',').map((name) => {
  if (!FAULTS.includes(name as Fault)) throw new Error(`unknown fault ${name}; known: ${FAULTS.join(', ')}`);
  return name as Fault;
});

const logger = createLogger({ logLevel: 'warn' });
const runId = randomBytes(4).toString('hex');
const started = performance.now();
const log = (message: string) =>
  process.stdout.write(`[bank ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);

const cluster = await startBankCluster({
  servers: Number(values.servers),
  logger,
  network: true,
  env: {
    HOLD_SWEEP_INTERVAL_MS: '200',
    // Deliveries retried within the run, and a killed server's streams taken over within it.
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_LEASE_MS: '5000',
    WEBHOOK_RETRY_BASE_MS: '20',
    WEBHOOK_RETRY_MAX_DELAY: '300',
    WEBHOOK_POLL_MS: '50',
  },
});
let webhooks: BankWebhooks | undefined;
let webhookVerdict: WebhookVerdict | undefined;
const clients: BalanceClient[] = [];
const connect = (i: number) => {
  void clients[i]?.close();
  clients[i] = createBalanceClient(cluster.url(i), { connections: 32, timeoutMs: 3000 });
};
const stopOnSignal = () => void cluster.close().finally(() => process.exit(130));
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

/** Restarts every server that was killed (once the database is there again). */
async function restartKilled(): Promise<void> {
  for (let i = 0; i < cluster.size; i++) {
    if (cluster.isUp(i)) continue;
    await cluster.start(i);
    connect(i);
    log(`server ${i} restarted`);
  }
}

/** Injects `fault` at 30% of the phase and heals it at 60%; resolves when healed. */
async function inject(fault: Fault, phaseMs: number): Promise<string[]> {
  const events: string[] = [];
  const note = (event: string) => {
    events.push(event);
    log(event);
  };
  await delay(phaseMs * 0.3);
  const victim = Math.floor(Math.random() * cluster.size);
  const cut = (victim + 1) % cluster.size;
  await webhooks?.disturb();
  note('webhook receivers: one hangs, one is down');
  if (fault === 'kill' || fault === 'all') {
    cluster.kill(victim);
    note(`SIGKILL server ${victim}`);
  }
  if ((fault === 'partition' || fault === 'all') && !cluster.noPartitions) {
    await cluster.partition(cut);
    note(`server ${cut} cut off from PostgreSQL`);
  }
  if (fault === 'pg-restart' || fault === 'all') {
    await cluster.stopDatabase();
    note('PostgreSQL stopped');
  }
  await delay(phaseMs * 0.3);
  if (fault === 'pg-restart' || fault === 'all') {
    await cluster.startDatabase();
    note('PostgreSQL started');
  }
  if ((fault === 'partition' || fault === 'all') && !cluster.noPartitions) {
    await cluster.heal(cut);
    note(`server ${cut} reconnected to PostgreSQL`);
  }
  await restartKilled();
  await webhooks?.calm();
  return events;
}

const results: { fault: Fault; verdict: Verdict; events: string[]; skipped?: string }[] = [];
let exitCode = 0;
try {
  for (let i = 0; i < cluster.size; i++) connect(i);
  const db = new pg.Client({ connectionString: cluster.databaseUrl });
  await db.connect();
  webhooks = await startBankWebhooks(clients[0]!, cluster.webhookHost, db);
  // Small balances, so that refusals (InsufficientFunds) are part of the history too: half the accounts have 10.
  const count = Number(values.accounts);
  const accounts = [
    ...(await insertUsers(db, Math.ceil(count / 2), 100)),
    ...(await insertUsers(db, Math.floor(count / 2), 10)),
  ];
  const wallets = await insertUsers(db, WALLETS, 10);
  // Rules on some of them, so refusals of limits happen under faults too: a credit line on an account and a wallet,
  // a cap on an account that is paid (transfers, batches, captures) and on a wallet, a daily debit limit on a
  // wallet. The last wallet is frozen and unfrozen by the workload.
  const rules: [number, LimitsInput][] = [
    [accounts[0]!, { minBalance: -50 }],
    [accounts.at(-1)!, { maxBalance: 30 }],
    [wallets[0]!, { minBalance: -20 }],
    [wallets[1]!, { maxBalance: 15 }],
    [wallets[2]!, { dailyDebitLimit: 60 }],
  ];
  const limits = new Map<number, BankLimits>();
  for (const [userId, set] of rules) {
    const answer = (await clients[0]!.graphql.request(SetLimitsDocument, { userId: String(userId), limits: set }))
      .setLimits;
    if (answer.__typename !== 'LimitsSet') throw new Error(`setLimits ${userId}: ${answer.__typename}`);
    limits.set(userId, answer.user.limits);
  }
  const [{ total }] = (
    await db.query<{ total: string }>('select sum(balance) as total from users where id <> all($1::integer[])', [
      wallets,
    ])
  ).rows as [{ total: string }];
  await db.end();
  const expectedTotal = Number(total);
  log(
    `${cluster.size} servers, ${accounts.length} accounts (total ${expectedTotal}), ${wallets.length} wallets, ` +
      `${seconds} s per fault; limits: ${rules.map(([id, set]) => `${id} ${JSON.stringify(set)}`).join(', ')}; ` +
      `wallet ${wallets.at(-1)} frozen and unfrozen`,
  );
  if (cluster.noPartitions) log(`partitions: not made (${cluster.noPartitions})`);

  for (const fault of faults) {
    if (fault === 'partition' && cluster.noPartitions) {
      results.push({ fault, verdict: emptyVerdict(), events: [], skipped: cluster.noPartitions });
      continue;
    }
    log(`--- ${fault}`);
    const phaseMs = seconds * 1000;
    const since = await lastEntry();
    const faulting = inject(fault, phaseMs);
    const workload = await runWorkload({
      clients,
      accounts,
      wallets,
      frozen: wallets.at(-1)!,
      expectedTotal,
      workers: Number(values.workers),
      until: performance.now() + phaseMs,
      runId: `${runId}-${fault}`,
      giveUpMs: 30_000,
    });
    const events = await faulting;
    const checker = new pg.Client({ connectionString: cluster.databaseUrl });
    await checker.connect();
    try {
      const verdict = await check(checker, workload, { expectedTotal, wallets, limits, since });
      results.push({ fault, verdict, events });
      log(`${fault}: ${verdict.violations.length === 0 ? 'no violations' : `${verdict.violations.length} VIOLATIONS`}`);
      log(`${fault}: refusals ${JSON.stringify(refusalsByType(workload.operations))}`);
      for (const violation of verdict.violations.slice(0, 20)) log(`  ${violation}`);
    } finally {
      await checker.end();
    }
  }
  const checker = new pg.Client({ connectionString: cluster.databaseUrl });
  await checker.connect();
  try {
    webhookVerdict = await checkBankWebhooks(webhooks!, checker, 120_000);
  } finally {
    await checker.end();
  }
  const { events, deliveries, duplicates, drainMs, violations } = webhookVerdict;
  log(
    `webhooks: ${events} events x ${webhooks!.receivers.length} endpoints, ${deliveries} deliveries ` +
      `(${duplicates} repeated), drained ${(drainMs / 1000).toFixed(1)} s after the last phase: ` +
      `${violations.length === 0 ? 'no violations' : `${violations.length} VIOLATIONS`}`,
  );
  for (const violation of violations.slice(0, 20)) log(`  ${violation}`);
} catch (error) {
  log(`bank run failed: ${(error as Error).stack ?? String(error)}`);
  exitCode = 1;
} finally {
  await Promise.all(clients.map((client) => client.close()));
  await cluster.close();
  await webhooks?.close();
}

/** The id of the newest ledger entry (a workload's entries come after it). */
async function lastEntry(): Promise<string> {
  const db = new pg.Client({ connectionString: cluster.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string }>('select coalesce(max(id), 0)::text as id from ledger_entries');
    return rows[0]!.id;
  } finally {
    await db.end();
  }
}

/** How many operations (batch items included) were refused, by refusal. */
function refusalsByType(operations: readonly BankOperation[]): Record<string, number> {
  const types = operations.flatMap((op) => [
    ...(op.outcome === 'refused' && op.kind !== 'batch' ? [op.answer!] : []),
    ...(op.batch?.results ?? [])
      .map((r) => r.__typename)
      .filter((t) => t !== 'TransferCompleted' && t !== 'NotApplied'),
  ]);
  return Object.fromEntries([...Map.groupBy(types, (t) => t)].map(([t, all]) => [t, all.length]).sort());
}

function emptyVerdict(): Verdict {
  return {
    attempted: 0,
    acknowledged: 0,
    applied: 0,
    refused: 0,
    unknown: 0,
    retried: 0,
    snapshots: 0,
    violations: [],
  };
}

const columns = [
  'fault',
  'attempted',
  'acknowledged',
  'applied',
  'refused',
  'unknown',
  'retried',
  'snapshots',
  'violations',
];
const rows = results.map(({ fault, verdict, skipped }) =>
  skipped
    ? [fault, `skipped: ${skipped}`]
    : [
        fault,
        verdict.attempted,
        verdict.acknowledged,
        verdict.applied,
        verdict.refused,
        verdict.unknown,
        verdict.retried,
        verdict.snapshots,
        verdict.violations.length,
      ].map(String),
);
process.stdout.write(
  `\n${[columns, ...rows].map((row) => row.map((cell) => cell.padStart(12)).join(' ')).join('\n')}\n`,
);
for (const { fault, events } of results) if (events.length) process.stdout.write(`${fault}: ${events.join('; ')}\n`);
const violations =
  results.reduce((sum, r) => sum + r.verdict.violations.length, 0) + (webhookVerdict?.violations.length ?? 0);
if (!webhookVerdict) exitCode = 1;
const skipped = results.filter((r) => r.skipped);
if (violations > 0 || results.length < faults.length || skipped.length > 0) exitCode = 1;
for (const { fault, skipped: why } of skipped) {
  process.stdout.write(`${fault} could not be injected (${why}): run as root, or leave it out with --faults\n`);
}
process.stdout.write(`verdict: ${exitCode === 0 ? 'ok' : 'FAILED'} (${violations} violations)\n`);
process.exit(exitCode);
