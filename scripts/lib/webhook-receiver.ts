import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

// A webhook receiver for the tests and `npm run bank` (on 127.0.0.1 unless told): it verifies each delivery with the `standardwebhooks` library
// and records it; its behaviour can change while it runs (answer at once, fail 30% with 500, hang, be down).

export type Behaviour = 'ok' | 'flaky' | 'hang' | 'fail';

export interface Received {
  id: string;
  type: string;
  data: Record<string, unknown>;
  timestamp: string;
  /** Whether the signature verified with one of the receiver's secrets. */
  verified: boolean;
  /** How many `v1,` signatures the delivery carried. */
  signatures: number;
  /** What the receiver answered (0: it did not answer). */
  status: number;
}

export interface TestReceiver {
  readonly url: string;
  behaviour: Behaviour;
  /** Secrets a delivery may verify with (the endpoint's, set after it is created). */
  secrets: string[];
  /** Called with each delivery as it comes (webhooks:listen prints them). */
  onDelivery: ((delivery: Received) => void) | undefined;
  /** Every delivery that reached it, answered or not, in arrival order. */
  readonly received: Received[];
  /** The deliveries it answered 2xx (each event at least once when all went well). */
  acknowledged(): Received[];
  /** The first 2xx delivery of each event id, in the order they came. */
  readonly firstAcknowledged: Received[];
  readonly acknowledgedIds: ReadonlySet<string>;
  /** Resolves once `check` holds after some delivery (or now); rejects after `timeoutMs`. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
  /** Stops accepting connections (deliveries fail to connect) / accepts them again on the same port. */
  goDown(): Promise<void>;
  comeUp(): Promise<void>;
  close(): Promise<void>;
}

/** A deterministic 30% for `flaky`, so a run can be repeated. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

export async function startReceiver(
  behaviour: Behaviour = 'ok',
  seed = 1,
  host = '127.0.0.1',
  listenPort = 0,
): Promise<TestReceiver> {
  const received: Received[] = [];
  const firstAcknowledged: Received[] = [];
  const acknowledgedIds = new Set<string>();
  const waiters = new Set<() => void>();
  const hanging = new Set<http.ServerResponse>();
  const random = seeded(seed);
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      };
      const verified = receiver.secrets.some((secret) => {
        try {
          new Webhook(secret).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      const payload = JSON.parse(body) as { type: string; timestamp: string; data: Record<string, unknown> };
      const mode = receiver.behaviour;
      const status = mode === 'fail' || (mode === 'flaky' && random() < 0.3) ? 500 : mode === 'hang' ? 0 : 204;
      const delivery: Received = {
        id: headers['webhook-id'],
        type: payload.type,
        data: payload.data,
        timestamp: payload.timestamp,
        verified,
        signatures: headers['webhook-signature'].split(' ').length,
        status,
      };
      received.push(delivery);
      if (status >= 200 && status < 300 && !acknowledgedIds.has(delivery.id)) {
        acknowledgedIds.add(delivery.id);
        firstAcknowledged.push(delivery);
      }
      if (status === 0) {
        hanging.add(response);
        response.on('close', () => hanging.delete(response));
      } else {
        response.writeHead(status).end(status === 500 ? 'receiver failed on purpose' : undefined);
      }
      receiver.onDelivery?.(delivery);
      for (const wake of waiters) wake();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(listenPort, host, resolve));
  const { port } = server.address() as AddressInfo;
  const stopServer = () =>
    new Promise<void>((resolve) => {
      for (const response of hanging) response.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  const receiver: TestReceiver = {
    url: `http://${host}:${port}/hooks`,
    behaviour,
    secrets: [],
    onDelivery: undefined,
    received,
    acknowledged: () => received.filter((delivery) => delivery.status >= 200 && delivery.status < 300),
    firstAcknowledged,
    acknowledgedIds,
    until(check, timeoutMs = 60_000) {
      if (check()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`receiver: condition not met within ${timeoutMs} ms (${received.length} received)`));
        }, timeoutMs);
        const wake = () => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    },
    goDown: stopServer,
    comeUp: () => new Promise<void>((resolve) => server.listen(port, host, resolve)),
    close: stopServer,
  };
  return receiver;
}
