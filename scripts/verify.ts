// Checks the balance invariants on a database and exits non-zero on any violation:
//   npm run verify -- [--json]
// Uses DATABASE_URL when set, else the embedded database (a running server's, or one started for the check).
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfigOrExit } from '../src/config.js';
import { openCommandDatabase } from '../src/db/command-database.js';
import { checkInvariants, INVARIANTS, type InvariantReport } from '../src/db/invariants.js';
import { createLogger } from '../src/logger.js';

const SHOWN_PER_INVARIANT = 10;

function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

let values;
try {
  values = parseArgs({ options: { json: { type: 'boolean', default: false } } }).values;
} catch (error) {
  fail(`${(error as Error).message}\nusage: npm run verify -- [--json]`);
}

// A command serves no requests: authentication settings do not concern it.
const config = loadConfigOrExit({ LOG_LEVEL: 'warn', AUTH_MODE: 'off', ...process.env }, 2);

const database = await openCommandDatabase(config, createLogger(config));
let report: InvariantReport;
const client = new pg.Client({ connectionString: database.url });
try {
  await client.connect();
  report = await checkInvariants(async (sql) => (await client.query(sql)).rows as Record<string, unknown>[]);
} catch (error) {
  fail(`verify: could not check ${database.description}: ${(error as Error).message}`);
} finally {
  await client.end().catch(() => undefined);
  await database.close();
}

if (values.json) {
  process.stdout.write(`${JSON.stringify({ ok: report.violations.length === 0, ...report })}\n`);
} else {
  const lines = [`verify: ${database.description}: ${report.users} users, ${report.entries} ledger entries`];
  for (const invariant of INVARIANTS) {
    const found = report.violations.filter((violation) => violation.invariant === invariant);
    lines.push(
      `  ${found.length === 0 ? 'ok  ' : 'FAIL'} ${invariant}${found.length ? `: ${found.length} violations` : ''}`,
    );
    for (const violation of found.slice(0, SHOWN_PER_INVARIANT)) {
      lines.push(`         user ${violation.userId}: ${violation.detail}`);
    }
  }
  lines.push(report.violations.length === 0 ? 'all invariants hold' : `${report.violations.length} violations`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
process.exit(report.violations.length === 0 ? 0 : 1);
