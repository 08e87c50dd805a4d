// A webhook receiver for the balance service, the way a backend would write one: verify the Standard Webhooks
// signature with the `standardwebhooks` library (it also refuses a timestamp more than 5 minutes off, so a
// captured delivery cannot be replayed later), answer 2xx quickly, and handle each event once although it may
// arrive more than once (deduplicate by `webhook-id`; here in memory, in production in your database, in the
// same transaction as the work the event causes).
//   WEBHOOK_SECRET=whsec_... PORT=4800 node --import tsx examples/webhook-receiver/receiver.ts
import http from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

const secret = process.env['WEBHOOK_SECRET'];
if (!secret?.startsWith('whsec_')) {
  process.stderr.write('Set WEBHOOK_SECRET to the secret createWebhookEndpoint answered (whsec_...)\n');
  process.exit(1);
}
const webhook = new Webhook(secret);
/** Event ids handled already (the same event is redelivered after a timeout or a 5xx). */
const handled = new Set<string>();
/** Bodies above this are not ours: refuse without reading further. */
const MAX_BODY = 64 * 1024;

interface BalanceEvent {
  type: string;
  timestamp: string;
  data: { userId: string; entryId: string; kind: string; amount: number; balance: number; version: number };
}

function handle(event: BalanceEvent): void {
  // Your work here: events of one user arrive in ledger order; `data.version` tells you if you missed none.
  process.stdout.write(`${event.type} user ${event.data.userId}: ${event.data.amount} -> ${event.data.balance}\n`);
}

const server = http.createServer((request, response) => {
  if (request.method !== 'POST') return void response.writeHead(405).end();
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) request.destroy();
    else chunks.push(chunk);
  });
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let event: BalanceEvent;
    try {
      // Throws unless the signature matches this exact body, id and timestamp, and the timestamp is recent.
      event = webhook.verify(body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }) as BalanceEvent;
    } catch (error) {
      const reason = error instanceof WebhookVerificationError ? error.message : 'unreadable';
      return void response.writeHead(400).end(reason);
    }
    const id = String(request.headers['webhook-id']);
    if (!handled.has(id)) {
      handle(event);
      handled.add(id);
    }
    // 2xx acknowledges: anything else (or no answer within the timeout) is retried, later events of the user wait.
    response.writeHead(204).end();
  });
});

const port = Number(process.env['PORT'] ?? 4800);
server.listen(port, '127.0.0.1', () => process.stdout.write(`receiving webhooks on http://127.0.0.1:${port}/\n`));
