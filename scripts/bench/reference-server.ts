// The two references `npm run bench` measures the service against, each in its own process:
//   sql:  what a careful hand-written service does: one transaction per request, a conditional UPDATE and
//         the ledger insert, pool of 10.
//   bare: node:http answering a fixed JSON body: the ceiling of the platform.
// POST {"userId": 1, "amount": -2} -> {"result": "BalanceUpdated", "balance": n} | {"result": "InsufficientFunds"}
import http from 'node:http';
import pg from 'pg';

const mode = process.argv[2];
if (mode !== 'sql' && mode !== 'bare') throw new Error('usage: reference-server.ts sql|bare');

const pool = mode === 'sql' ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }) : undefined;

async function update(userId: number, amount: number): Promise<string> {
  const client = await pool!.connect();
  try {
    await client.query('begin');
    const updated = await client.query<{ balance: string }>(
      'update users set balance = balance + $1, version = version + 1, updated_at = now() where id = $2 and balance + $1 >= 0 returning balance',
      [amount, userId],
    );
    const row = updated.rows[0];
    if (!row) {
      await client.query('rollback');
      return JSON.stringify({ result: 'InsufficientFunds' });
    }
    await client.query(
      `insert into ledger_entries (user_id, amount, balance_after, kind) values ($1, $2, $3, 'UPDATE')`,
      [userId, amount, row.balance],
    );
    await client.query('commit');
    return JSON.stringify({ result: 'BalanceUpdated', balance: Number(row.balance) });
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const fixed = JSON.stringify({ result: 'BalanceUpdated', balance: 0 });
const server = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const reply = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (mode === 'bare') return reply(200, fixed);
    const { userId, amount } = JSON.parse(Buffer.concat(chunks).toString()) as { userId: number; amount: number };
    update(userId, amount).then(
      (body) => reply(200, body),
      (error: Error) => reply(500, JSON.stringify({ result: 'Error', message: error.message })),
    );
  });
});
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  process.stdout.write(`${JSON.stringify({ msg: 'listening', port: (server.address() as { port: number }).port })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void pool?.end().finally(() => process.exit(0));
  if (!pool) process.exit(0);
});
