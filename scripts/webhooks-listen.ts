// Webhooks for local development (like `stripe listen`): registers an endpoint on a running service that points
// at a receiver started here, prints each event as it arrives (verified with the `standardwebhooks` library),
// and disables the endpoint again on Ctrl-C.
//   npm run webhooks:listen -- [--url http://127.0.0.1:4000/graphql] [--port 4800] [--events "*"] [--token JWT]
import { parseArgs } from 'node:util';
import { createBalanceClient, CreateWebhookEndpointDocument, DisableWebhookEndpointDocument } from '../client/index.js';
import { startReceiver } from './lib/webhook-receiver.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:4000/graphql' },
    port: { type: 'string', default: '0' },
    events: { type: 'string', default: '*' },
    token: { type: 'string', default: process.env['BALANCE_TOKEN'] },
  },
});

const client = createBalanceClient(values.url, { token: values.token });
const receiver = await startReceiver('ok', 1, '127.0.0.1', Number(values.port));
const created = (
  await client.graphql.request(CreateWebhookEndpointDocument, {
    url: receiver.url,
    events: values.events.split(',').map((type) => type.trim()),
    description: 'webhooks:listen',
  })
).createWebhookEndpoint;
if (created.__typename !== 'WebhookEndpointCreated') {
  process.stderr.write(`could not create the endpoint: ${created.message}\n`);
  await receiver.close();
  await client.close();
  process.exit(1);
}
receiver.secrets.push(created.secret);
const endpointId = created.endpoint.id;
process.stdout.write(
  `listening on ${receiver.url} as endpoint ${endpointId} for ${values.events} (signing secret kept in memory; ` +
    'Ctrl-C to stop)\n',
);
receiver.onDelivery = (delivery) => {
  const check = delivery.verified ? 'signature ok' : 'SIGNATURE DID NOT VERIFY';
  process.stdout.write(
    `${new Date().toISOString()}  ${delivery.type.padEnd(24)} ${delivery.id}  ${check}\n  ${JSON.stringify(delivery.data)}\n`,
  );
};

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await client.graphql.request(DisableWebhookEndpointDocument, { id: endpointId }).catch(() => undefined);
  process.stdout.write(`endpoint ${endpointId} disabled\n`);
  await receiver.close();
  await client.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
