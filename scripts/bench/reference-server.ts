// The two references `npm run bench` measures the service against, each in its own process:
//   sql:  what a careful hand-written service does without GraphQL: one transaction per request
//         (reference-sql.ts), pool of 10.
//   bare: node:http answering a fixed JSON body: the ceiling of the platform.
// POST {"userId": 1, "amount": -2} -> {"result": "BalanceUpdated", "balance": n} | {"result": "InsufficientFunds"}
// POST {"userId": 1, "toUserId": 2, "amount": 5} -> {"result": "TransferCompleted"} | {"result": "InsufficientFunds"}
import http from 'node:http';
import { createReferenceSql } from './reference-sql.js';

const mode = process.argv[2];
if (mode !== 'sql' && mode !== 'bare') throw new Error('usage: reference-server.ts sql|bare');

const sql = mode === 'sql' ? createReferenceSql(process.env.DATABASE_URL) : undefined;

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
    const { userId, toUserId, amount } = JSON.parse(Buffer.concat(chunks).toString()) as {
      userId: number;
      toUserId?: number;
      amount: number;
    };
    const answer = toUserId === undefined ? sql!.update(userId, amount) : sql!.transfer(userId, toUserId, amount);
    answer.then(
      (body) => reply(200, JSON.stringify(body)),
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
  void sql?.end().finally(() => process.exit(0));
  if (!sql) process.exit(0);
});
