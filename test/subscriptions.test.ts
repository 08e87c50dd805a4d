import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CaptureHoldDocument,
  createBalanceClient,
  DepositDocument,
  HoldDocument,
  TransferDocument,
  WithdrawDocument,
} from '../client/index.js';
import { createLiveClient, SubscriptionError, watchBalance, type BalanceMessage } from '../client/live.js';
import { insertUser, JWT_ENV, query, signToken, useTestApp } from './helpers.js';
import { insertUsers } from '../scripts/bench/users.js';
import { parseNotice } from '../src/modules/live/balance-feed.js';
import { startServerProcess } from './server-process.js';

/** The next message, or a failure naming what was awaited (the test's timeout bounds the wait). */
async function next(messages: AsyncIterator<BalanceMessage>): Promise<BalanceMessage> {
  const result = await messages.next();
  if (result.done) throw new Error('the subscription ended');
  return result.value;
}

function change(message: BalanceMessage) {
  if (message.__typename !== 'BalanceChange') throw new Error(`expected BalanceChange, got ${message.__typename}`);
  return message;
}

describe('balanceChanged (graphql-ws), one process', () => {
  // Messages never give way to the latest state here (that is the queue's own test): these check order.
  const t = useTestApp({ SUBSCRIPTIONS_PER_CONNECTION: '3', SUBSCRIPTION_MAX_DELAY_MS: '60000' });
  const live = () => createLiveClient(t.url, { retryAttempts: 0 });
  const clients: ReturnType<typeof live>[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
  });
  const open = () => {
    const client = live();
    clients.push(client);
    return client;
  };

  it('sends the current state, then each committed change in version order with its entry', async () => {
    const userId = await insertUser(t.orm, 100);
    const payee = await insertUser(t.orm, 0);
    const messages = watchBalance(open(), userId);
    const first = change(await next(messages));
    expect(first).toMatchObject({ userId, balance: 100, version: 1, entry: null });

    await t.client.graphql.request(WithdrawDocument, { userId, amount: 30 });
    await t.client.graphql.request(DepositDocument, { userId, amount: 5 });
    await t.client.graphql.request(TransferDocument, {
      fromUserId: userId,
      toUserId: payee,
      amount: 10,
      reason: 'rent',
    });
    const [a, b, c] = [change(await next(messages)), change(await next(messages)), change(await next(messages))];
    expect(a).toMatchObject({ balance: 70, version: 2, entry: { amount: -30, kind: 'WITHDRAWAL', reason: null } });
    expect(b).toMatchObject({ balance: 75, version: 3, entry: { amount: 5, kind: 'DEPOSIT', balanceAfter: 75 } });
    expect(c).toMatchObject({
      balance: 65,
      version: 4,
      entry: { amount: -10, kind: 'TRANSFER_OUT', counterpartyId: payee, reason: 'rent' },
    });
    await messages.return?.();
  });

  it('reports what is available: a hold lowers it, its capture lowers the balance and releases the rest', async () => {
    const userId = await insertUser(t.orm, 100);
    const messages = watchBalance(open(), userId);
    expect(change(await next(messages))).toMatchObject({ balance: 100, held: 0, available: 100, version: 1 });
    const placed = await t.client.graphql.request(HoldDocument, { userId, amount: 40, expiresIn: 60 });
    if (placed.hold.__typename !== 'HoldPlaced') throw new Error(placed.hold.__typename);
    await t.client.graphql.request(CaptureHoldDocument, { holdId: placed.hold.hold.id, amount: 15 });
    expect(change(await next(messages))).toMatchObject({
      balance: 100,
      held: 40,
      available: 60,
      version: 2,
      entry: { kind: 'HOLD', amount: 0, heldAfter: 40, holdId: placed.hold.hold.id },
    });
    expect(change(await next(messages))).toMatchObject({
      balance: 85,
      held: 0,
      available: 85,
      version: 3,
      entry: { kind: 'CAPTURE', amount: -15, heldAfter: 0, holdId: placed.hold.hold.id },
    });
    await messages.return?.();
  });

  it('delivers every change of a concurrent burst once, in version order, ending at the committed state', async () => {
    const userId = await insertUser(t.orm, 1000);
    const messages = watchBalance(open(), userId);
    expect(change(await next(messages)).version).toBe(1);
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => t.client.graphql.request(WithdrawDocument, { userId, amount: 20 })),
    );
    expect(answers.filter((a) => a.withdraw.__typename === 'BalanceUpdated')).toHaveLength(50);
    const seen: BalanceMessage[] = [];
    for (let version = 2; version <= 51; version++) seen.push(await next(messages));
    expect(seen.map((m) => change(m).version)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    expect(seen.map((m) => change(m).balance)).toEqual(Array.from({ length: 50 }, (_, i) => 1000 - 20 * (i + 1)));
    await messages.return?.();
  });

  it('shares one execution per message only between subscribers of the same operation', async () => {
    const userId = await insertUser(t.orm, 100);
    const query = `
      subscription Balance($userId: ID!) { balanceChanged(userId: $userId) { ... on BalanceChange { balance } } }
      subscription Version($userId: ID!) { balanceChanged(userId: $userId) { ... on BalanceChange { version } } }`;
    const client = open();
    const [byBalance, byVersion] = ['Balance', 'Version'].map((operationName) =>
      client.iterate({ query, operationName, variables: { userId } }),
    ) as [AsyncIterableIterator<unknown>, AsyncIterableIterator<unknown>];
    expect((await byBalance.next()).value).toEqual({ data: { balanceChanged: { balance: 100 } } });
    expect((await byVersion.next()).value).toEqual({ data: { balanceChanged: { version: 1 } } });
    await t.client.graphql.request(DepositDocument, { userId, amount: 5 });
    expect((await byBalance.next()).value).toEqual({ data: { balanceChanged: { balance: 105 } } });
    expect((await byVersion.next()).value).toEqual({ data: { balanceChanged: { version: 2 } } });
    await Promise.all([byBalance.return?.(), byVersion.return?.()]);
  });

  it('answers UserNotFound for a user that does not exist (or an id no user can have), then ends', async () => {
    for (const userId of ['987654', 'abc']) {
      const messages = watchBalance(open(), userId);
      expect(await next(messages)).toMatchObject({ __typename: 'UserNotFound', code: 'USER_NOT_FOUND', userId });
      expect((await messages.next()).done).toBe(true);
    }
  });

  it('holds at most SUBSCRIPTIONS_PER_CONNECTION subscriptions on one connection', async () => {
    const userId = await insertUser(t.orm, 1);
    const client = open();
    const held = [1, 2, 3].map(() => watchBalance(client, userId));
    for (const messages of held) expect(change(await next(messages)).version).toBe(1);
    const refused = await watchBalance(client, userId)
      .next()
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SubscriptionError);
    expect((refused as SubscriptionError).code).toBe('SUBSCRIPTION_LIMIT');
    await held[0]!.return?.();
  });

  it('announces a statement that wrote for many users in few notifications, each within NOTIFY limits', async () => {
    const listener = new pg.Client({ connectionString: t.databaseUrl });
    await listener.connect();
    try {
      const payloads: string[] = [];
      listener.on('notification', (message) => payloads.push(message.payload ?? ''));
      await listener.query('listen balance_changed');
      // One statement writes 250 users' entries (on this connection, so its notifications come to it in order).
      const ids = await insertUsers(listener, 250, 3);
      // Our own notifications arrive before the answer to the next query on this connection.
      await listener.query('select 1');
      const notices = payloads.flatMap((payload) => payload.split(';').map((notice) => parseNotice(notice, 0)));
      expect(payloads).toHaveLength(3);
      expect(payloads.every((payload) => Buffer.byteLength(payload) < 8000)).toBe(true);
      expect(notices.map((notice) => notice?.userId).sort((a, b) => a! - b!)).toEqual(ids);
      expect(notices.every((notice) => notice?.version === 1 && notice.entries === 1)).toBe(true);
    } finally {
      await listener.end();
    }
  });

  it('delivers a transfer to the subscribers of both sides', async () => {
    const [payer, payee] = [await insertUser(t.orm, 30), await insertUser(t.orm, 0)];
    const [paying, paid] = [watchBalance(open(), payer), watchBalance(open(), payee)];
    expect(change(await next(paying)).version).toBe(1);
    expect(change(await next(paid)).version).toBe(1);
    await t.client.graphql.request(TransferDocument, { fromUserId: payer, toUserId: payee, amount: 12 });
    expect(change(await next(paying))).toMatchObject({ balance: 18, entry: { kind: 'TRANSFER_OUT' } });
    expect(change(await next(paid))).toMatchObject({ balance: 12, entry: { kind: 'TRANSFER_IN' } });
    await Promise.all([paying.return?.(), paid.return?.()]);
  });

  it('serves only subscriptions over WebSocket', async () => {
    const client = open();
    const refused = await new Promise<unknown>((resolve) => {
      client.subscribe(
        { query: '{ users { totalCount } }' },
        { next: resolve, error: resolve, complete: () => undefined },
      );
    });
    expect(JSON.stringify(refused)).toContain('Only subscriptions are served over WebSocket');
  });

  it('sends a fresh current state after the listening connection is lost and re-established', async () => {
    const userId = await insertUser(t.orm, 40);
    const messages = watchBalance(open(), userId);
    expect(change(await next(messages)).version).toBe(1);
    await query(
      t.orm,
      `select pg_terminate_backend(pid) from pg_stat_activity
        where application_name = 'balance-service listener' and datname = current_database()`,
    );
    // Changed while nobody listens (the notification is lost); the reconnect's fresh state carries it.
    await t.client.graphql.request(WithdrawDocument, { userId, amount: 15 });
    let message = change(await next(messages));
    // The change may still have been heard before the connection went: then the fresh state follows it.
    if (message.entry !== null) message = change(await next(messages));
    expect(message).toMatchObject({ balance: 25, version: 2, entry: null });
    await t.client.graphql.request(WithdrawDocument, { userId, amount: 5 });
    expect(change(await next(messages))).toMatchObject({ balance: 20, version: 3, entry: { amount: -5 } });
    const metrics = await (await fetch(`${t.origin}/metrics`)).text();
    expect(metrics).toMatch(/^notification_listener_reconnects_total 1$/m);
    expect(metrics).toMatch(/^subscriptions_open [1-9]/m);
    await messages.return?.();
  });
});

describe('balanceChanged with AUTH_MODE=jwt', () => {
  const t = useTestApp(JWT_ENV);

  it('refuses a connection without a valid token (4403) and a user watching someone else', async () => {
    const userId = await insertUser(t.orm, 10);
    const other = await insertUser(t.orm, 10);
    const anonymous = createLiveClient(t.url, { retryAttempts: 0 });
    const closed = await watchBalance(anonymous, userId)
      .next()
      .catch((error: unknown) => error);
    expect((closed as { code?: number }).code).toBe(4403);
    await anonymous.dispose();

    const token = await signToken({ role: 'user', sub: userId });
    const client = createLiveClient(t.url, { token, retryAttempts: 0 });
    const refused = await watchBalance(client, other)
      .next()
      .catch((error: unknown) => error);
    expect((refused as SubscriptionError).code).toBe('FORBIDDEN');
    const own = watchBalance(client, userId);
    expect(await next(own)).toMatchObject({ __typename: 'BalanceChange', balance: 10 });
    await own.return?.();
    await client.dispose();
  });
});

describe('balanceChanged across server processes on one database', () => {
  const t = useTestApp();

  it('reaches a subscriber of another process, and that process closes it with 1001 when it stops', async () => {
    const other = await startServerProcess({ DATABASE_URL: t.databaseUrl });
    try {
      const userId = await insertUser(t.orm, 500);
      const remote = createLiveClient(other.url, { retryAttempts: 0 });
      const here = createLiveClient(t.url, { retryAttempts: 0 });
      const atOther = watchBalance(remote, userId);
      const atHere = watchBalance(here, userId);
      expect(change(await next(atOther)).version).toBe(1);
      expect(change(await next(atHere)).version).toBe(1);

      // Changed through this process, heard by the other; and the other way round.
      await t.client.graphql.request(WithdrawDocument, { userId, amount: 100 });
      expect(change(await next(atOther))).toMatchObject({ balance: 400, version: 2, entry: { amount: -100 } });
      const otherClient = createBalanceClient(other.url);
      await otherClient.graphql.request(DepositDocument, { userId, amount: 7 });
      await otherClient.close();
      expect(change(await next(atHere))).toMatchObject({ balance: 400, version: 2 });
      expect(change(await next(atHere))).toMatchObject({ balance: 407, version: 3, entry: { amount: 7 } });
      expect(change(await next(atOther))).toMatchObject({ balance: 407, version: 3 });

      const closed = new Promise<number>((resolve) =>
        remote.on('closed', (event) => resolve((event as CloseEvent).code)),
      );
      expect(await other.stop()).toBe(0);
      expect(await closed).toBe(1001);
      await atHere.return?.();
      await Promise.all([remote.dispose(), here.dispose()]);
    } finally {
      await other.stop();
    }
  });
});

describe('balanceChanged limits per process', () => {
  const t = useTestApp({ SUBSCRIPTIONS_MAX: '2' });

  it('refuses a subscription beyond SUBSCRIPTIONS_MAX and accepts one again after another ended', async () => {
    const userId = await insertUser(t.orm, 1);
    const client = createLiveClient(t.url, { retryAttempts: 0 });
    const [a, b] = [watchBalance(client, userId), watchBalance(client, userId)];
    expect(change(await next(a)).version).toBe(1);
    expect(change(await next(b)).version).toBe(1);
    const refused = await watchBalance(client, userId)
      .next()
      .catch((error: unknown) => error);
    expect((refused as SubscriptionError).code).toBe('SUBSCRIPTION_LIMIT');
    await a.return?.();
    const metricsSay = async () =>
      (await (await fetch(`${t.origin}/metrics`)).text()).match(/^subscriptions_open (\d+)$/m)?.[1];
    // The server sees the `complete` asynchronously: wait for it through the metric, not a sleep.
    while ((await metricsSay()) !== '1') await new Promise((resolve) => setImmediate(resolve));
    const again = watchBalance(client, userId);
    expect(change(await next(again)).version).toBe(1);
    await Promise.all([b.return?.(), again.return?.()]);
    await client.dispose();
  });
});
