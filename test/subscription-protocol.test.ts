// Subscriptions under hostile use (issue 21, items 5, 6, 7 and 9): an expired token ends its socket, a
// subscription that cannot run fails alone, @skip/@include at the root work with variables, and a subscription
// sent over HTTP is the client's error. graphql-ws's own client over a real socket.
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { webSocketUrl } from '../client/live.js';
import { insertUser, JWT_ENV, signToken, useTestApp } from './helpers.js';

const logLines: string[] = [];
const t = useTestApp(JWT_ENV, { logLines });
const consoleErrors = vi.spyOn(console, 'error');
const consoleWarnings = vi.spyOn(console, 'warn');
let staffToken: string;
const clients: Client[] = [];

beforeAll(async () => {
  staffToken = await signToken({ role: 'service', sub: 'watcher' });
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
});

/** A graphql-ws client whose socket's close (code and reason) can be awaited. */
function connect(token: string) {
  let closedWith: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (closedWith = resolve));
  const client = createClient({
    url: webSocketUrl(t.url),
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event) => closedWith(event as CloseEvent) },
  });
  clients.push(client);
  return { client, closed };
}

/** One subscription's messages, pulled one at a time; `error` is what ended it, if anything did. */
function subscribe(client: Client, query: string, variables?: Record<string, unknown>) {
  const queue: ExecutionResult[] = [];
  const waiting: ((result: ExecutionResult | 'done') => void)[] = [];
  let ended: unknown = null;
  const deliver = (result: ExecutionResult | 'done') => {
    const next = waiting.shift();
    if (next) next(result);
    else if (result !== 'done') queue.push(result);
  };
  const stop = client.subscribe(
    { query, variables },
    {
      next: (result) => deliver(result as ExecutionResult),
      error: (error) => {
        ended = error;
        deliver('done');
      },
      complete: () => deliver('done'),
    },
  );
  return {
    next: () =>
      queue.length > 0
        ? Promise.resolve(queue.shift()!)
        : new Promise<ExecutionResult | 'done'>((resolve) => waiting.push(resolve)),
    get error() {
      return ended;
    },
    stop,
  };
}

const watch = (userId: string) =>
  `subscription { balanceChanged(userId: "${userId}") { __typename ... on BalanceChange { balance version } } }`;

async function withdraw(userId: string, amount: number) {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${staffToken}` },
    body: JSON.stringify({ query: `mutation { withdraw(userId: "${userId}", amount: ${amount}) { __typename } }` }),
  });
  expect(response.status).toBe(200);
}

describe('a token that expires while its socket is open', () => {
  it('closes the socket with 4403 when it expires: no more messages, no new subscriptions', async () => {
    const userId = await insertUser(t.orm, 100);
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await signToken({ role: 'user', sub: userId }, { expiresIn: exp });
    const { client, closed } = connect(token);
    const live = subscribe(client, watch(userId));
    expect(await live.next()).toMatchObject({ data: { balanceChanged: { balance: 100 } } });
    const { code, reason } = await closed;
    expect(code).toBe(4403);
    expect(reason).toMatch(/expired/);
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000 - 5);
    // The stream ended with the socket; a new subscription cannot start on the token.
    expect(await live.next()).toBe('done');
    const again = connect(token);
    expect((await again.closed).code).toBe(4403);
  });
});

describe('@skip and @include on the root subscription field', () => {
  it('a subscription that selects nothing fails alone: the socket and its other subscriptions live on', async () => {
    const userId = await insertUser(t.orm, 100);
    const { client, closed } = connect(staffToken);
    let socketClosed = false;
    void closed.then(() => (socketClosed = true));
    const live = subscribe(client, watch(userId));
    expect(await live.next()).toMatchObject({ data: { balanceChanged: { balance: 100 } } });
    const skipped: [string, Record<string, unknown>?][] = [
      [`subscription { balanceChanged(userId: "${userId}") @skip(if: true) { __typename } }`],
      [`subscription { balanceChanged(userId: "${userId}") @include(if: false) { __typename } }`],
      [
        `subscription S($s: Boolean!) { balanceChanged(userId: "${userId}") @skip(if: $s) { __typename } }`,
        { s: true },
      ],
      [
        `subscription S($i: Boolean!) { balanceChanged(userId: "${userId}") @include(if: $i) { __typename } }`,
        { i: false },
      ],
    ];
    for (const [query, variables] of skipped) {
      const refused = subscribe(client, query, variables);
      expect(await refused.next()).toBe('done');
      expect(refused.error).toMatchObject([{ extensions: { code: 'BAD_REQUEST' } }]);
    }
    await withdraw(userId, 7);
    expect(await live.next()).toMatchObject({ data: { balanceChanged: { balance: 93, version: 2 } } });
    expect(socketClosed).toBe(false);
    expect(consoleErrors).not.toHaveBeenCalled();
    expect(consoleWarnings).not.toHaveBeenCalled();
  });

  it('with variables that keep the field, the subscription runs as GraphQL allows', async () => {
    const userId = await insertUser(t.orm, 50);
    const { client } = connect(staffToken);
    const cases: [string, Record<string, unknown>][] = [
      [
        `subscription S($u: ID!, $v: Boolean!) { balanceChanged(userId: $u) @include(if: $v) { ... on BalanceChange { balance } } }`,
        { u: userId, v: true },
      ],
      [
        `subscription S($u: ID!, $s: Boolean!) { balanceChanged(userId: $u) @skip(if: $s) { ... on BalanceChange { balance } } }`,
        { u: userId, s: false },
      ],
      [
        `subscription S($u: ID!, $v: Boolean!) { ...Root } fragment Root on Subscription { balanceChanged(userId: $u) @include(if: $v) { ... on BalanceChange { balance } } }`,
        { u: userId, v: true },
      ],
    ];
    for (const [query, variables] of cases) {
      const live = subscribe(client, query, variables);
      expect({ query, first: await live.next() }).toMatchObject({
        first: { data: { balanceChanged: { balance: 50 } } },
      });
      live.stop();
    }
  });
});

describe('a subscription sent over HTTP', () => {
  it("is the client's error (400 BAD_REQUEST, logged at debug), telling it to use the WebSocket", async () => {
    const userId = await insertUser(t.orm, 10);
    const documents = [
      watch(userId),
      `subscription S($v: Boolean!) { balanceChanged(userId: "${userId}") @include(if: $v) { __typename } }`,
    ];
    for (const [i, query] of documents.entries()) {
      const response = await fetch(t.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${staffToken}`,
          'x-request-id': `http-subscription-${i}`,
        },
        body: JSON.stringify({ query, variables: { v: true } }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]).toMatchObject({
        extensions: { code: 'BAD_REQUEST' },
        message: expect.stringMatching(/WebSocket/),
      });
    }
    const lines = logLines.map((line) => JSON.parse(line) as { requestId?: string; level: number; msg: string });
    const line = lines.find((l) => l.requestId === 'http-subscription-1');
    expect(line).toMatchObject({ level: 20, code: 'BAD_REQUEST' });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });
});
