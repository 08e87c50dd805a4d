// Fires N concurrent updateBalance requests and reports exactly what came back.
// npm run burst -- --url http://127.0.0.1:4000/graphql --user 1 --amount -2 --requests 10000 [--expect-ok 5000]
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { runBurst } from '../client/burst.js';

const usage =
  'usage: npm run burst -- [--url URL[,URL...]] [--user ID] [--amount N] [--requests N] [--connections N]\n' +
  '                        [--token JWT] [--retry [--attempts N]] [--expect-ok N]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

function wholeNumber(name: string, raw: string | undefined, fallback: number, allowNegative = false): number {
  if (raw === undefined) return fallback;
  if (!(allowNegative ? /^-?\d+$/ : /^\d+$/).test(raw)) fail(`--${name} must be a whole number (got "${raw}")`);
  return Number(raw);
}

// Node 20's parseArgs reads `--amount -2` as two options: glue negative numbers to their option first.
const argv = process.argv.slice(2).reduce<string[]>((out, arg) => {
  const previous = out[out.length - 1];
  if (/^-\d+$/.test(arg) && previous?.startsWith('--') && !previous.includes('='))
    out[out.length - 1] = `${previous}=${arg}`;
  else out.push(arg);
  return out;
}, []);

let args;
try {
  args = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:4000/graphql' },
      user: { type: 'string', default: '1' },
      amount: { type: 'string', default: '-2' },
      requests: { type: 'string', default: '10000' },
      connections: { type: 'string', default: '128' },
      'expect-ok': { type: 'string' },
      // Bearer JWT for a server with AUTH_MODE=jwt (default: $BALANCE_TOKEN).
      token: { type: 'string' },
      // Retry failed requests with their idempotency keys on the next URL, up to --attempts in all.
      retry: { type: 'boolean', default: false },
      attempts: { type: 'string', default: '20' },
      help: { type: 'boolean', default: false },
    },
  }).values;
} catch (error) {
  fail((error as Error).message);
}
if (args.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

const urls = args.url.split(',').map((url) => url.trim());
const requests = wholeNumber('requests', args.requests, 10_000);
const amount = wholeNumber('amount', args.amount, -2, true);
const connections = wholeNumber('connections', args.connections, 128);
const token = args.token ?? process.env['BALANCE_TOKEN'];
const retryAttempts = args.retry ? wholeNumber('attempts', args.attempts, 20) : 1;
const expectOk = args['expect-ok'] === undefined ? undefined : wholeNumber('expect-ok', args['expect-ok'], 0);

const bar = new cliProgress.SingleBar(
  { format: 'burst [{bar}] {percentage}% | {value}/{total} answered | {duration}s', stream: process.stderr },
  cliProgress.Presets.shades_classic,
);
bar.start(requests, 0);
let report;
try {
  report = await runBurst({
    urls,
    userId: args.user,
    amount,
    requests,
    connections,
    token,
    retryAttempts,
    onProgress: (done) => bar.update(done),
  });
} catch (error) {
  bar.stop();
  fail(`burst failed: ${(error as Error).message}`);
}
bar.stop();

const ok = report.counts['BalanceUpdated'] ?? 0;
const lines = [
  `requests      ${requests} x updateBalance(userId: ${args.user}, amount: ${amount}) against ${urls.join(', ')}`,
  ...Object.entries(report.counts)
    .sort(([, a], [, b]) => b - a)
    .map(([kind, count]) => `  ${kind.padEnd(20)} ${count}`),
  ...(args.retry ? [`retries       ${report.retries} (same idempotency key, next URL)`] : []),
  `wall time     ${(report.wallMs / 1000).toFixed(2)} s`,
  `throughput    ${report.requestsPerSecond.toFixed(0)} requests/s`,
  `latency       p50 ${report.p50Ms.toFixed(1)} ms, p99 ${report.p99Ms.toFixed(1)} ms`,
  `final balance ${report.finalBalance ?? 'user not found'}`,
  ...report.errors.slice(0, 5).map((message) => `error: ${message}`),
];
process.stdout.write(`${lines.join('\n')}\n`);
const { outcomes: _outcomes, errors: _errors, idempotencyKeys: _keys, ...summary } = report;
process.stdout.write(`${JSON.stringify({ ...summary, ok })}\n`);

if (expectOk !== undefined && ok !== expectOk) {
  process.stderr.write(`expected ${expectOk} BalanceUpdated, got ${ok}\n`);
  process.exit(1);
}
