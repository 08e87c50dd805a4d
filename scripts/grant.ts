// The daily credit grant as a one-shot command: npm run grant -- [--date YYYY-MM-DD]
// Works whether or not the server runs: with the embedded database it uses the PostgreSQL a running server
// owns, and starts (then stops) one only when none runs. Safe to run any number of times: once per user and day.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadConfigOrExit } from '../src/config.js';
import { openCommandDatabase } from '../src/db/command-database.js';
import { initOrm } from '../src/db/orm.js';
import { prepareDatabase } from '../src/prepare-database.js';
import { Sql } from '../src/db/sql.js';
import { createLogger } from '../src/logger.js';
import { SqlBalanceStore } from '../src/db/balance-store.js';
import { BalanceEngine } from '../src/engine/engine.js';
import { BalanceService, engineOptions } from '../src/modules/balance/balance.service.js';
import { GrantService, utcDay } from '../src/modules/grants/grant.service.js';

function fail(message: string): never {
  process.stderr.write(`${message}\nusage: npm run grant -- [--date YYYY-MM-DD]\n`);
  process.exit(2);
}

let values;
try {
  values = parseArgs({ options: { date: { type: 'string' } } }).values;
} catch (error) {
  fail((error as Error).message);
}
const day = values.date ?? utcDay();
if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || utcDay(new Date(`${day}T00:00:00Z`)) !== day) {
  fail(`--date must be a calendar day as YYYY-MM-DD (got "${day}")`);
}

// A command serves no requests: authentication settings do not concern it.
const config = loadConfigOrExit({ LOG_LEVEL: 'warn', AUTH_MODE: 'off', ...process.env }, 2);
const logger = createLogger(config);

const database = await openCommandDatabase(config, logger);
process.stderr.write(`using ${database.description}\n`);
const orm = await initOrm(database.url, config.dbPoolSize, config.dbConnectTimeoutMs);
let exitCode = 0;
try {
  await prepareDatabase(orm, logger);
  const sql = new Sql(orm);
  const balances = new BalanceService(new BalanceEngine(new SqlBalanceStore(sql), engineOptions(config), logger));
  const bar = new cliProgress.SingleBar(
    { format: `grant ${day} [{bar}] {value}/{total} users`, stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0);
  const summary = await new GrantService(sql, balances, config.grantAmount, logger).grantDay(day, (done, total) => {
    bar.setTotal(total);
    bar.update(done);
  });
  bar.stop();
  process.stdout.write(
    `grant ${summary.day}: ${summary.amount} credits to ${summary.granted} users; ` +
      `${summary.alreadyGranted} had it already; ${summary.refused} refused; ${summary.failed} failed ` +
      `(of ${summary.users} users)\n`,
  );
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (summary.failed > 0) exitCode = 1;
} finally {
  await orm.close(true);
  await database.close();
}
process.exit(exitCode);
