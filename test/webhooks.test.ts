import { afterAll, describe, expect, it } from 'vitest';
import {
  CaptureHoldDocument,
  CreateBalanceMonitorDocument,
  CreateWebhookEndpointDocument,
  DepositDocument,
  DisableWebhookEndpointDocument,
  HoldDocument,
  RedeliverWebhookEventDocument,
  RotateWebhookSecretDocument,
  SetAccountStatusDocument,
  SetLimitsDocument,
  TransferDocument,
  UpdateBalanceDocument,
  UpdateWebhookEndpointDocument,
  VoidHoldDocument,
  WebhookDeliveriesDocument,
  WebhookEndpointsDocument,
  WithdrawDocument,
  type BalanceClient,
} from '../client/index.js';
import { runBurst } from '../client/burst.js';
import { insertUser, query, useTestApp } from './helpers.js';
import { startReceiver, type Received, type TestReceiver } from '../scripts/lib/webhook-receiver.js';

// Webhooks out (issue 24): events derived from the ledger, signed (Standard Webhooks), delivered at least once
// and per user in ledger order, retried with backoff; endpoints and monitors through the API.

const t = useTestApp({
  WEBHOOK_POLL_MS: '50',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_RETRY_MAX_DELAY: '300',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_LEASE_MS: '5000',
});

const receivers: TestReceiver[] = [];
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
});

async function receiver(behaviour: Parameters<typeof startReceiver>[0] = 'ok', seed = 1): Promise<TestReceiver> {
  const started = await startReceiver(behaviour, seed);
  receivers.push(started);
  return started;
}

/** An endpoint for `target`, which then verifies with its secret; answers the endpoint id. */
async function subscribe(target: TestReceiver, events: string[] = ['*'], client: BalanceClient = t.client) {
  const created = (await client.graphql.request(CreateWebhookEndpointDocument, { url: target.url, events }))
    .createWebhookEndpoint;
  if (created.__typename !== 'WebhookEndpointCreated') throw new Error(`not created: ${JSON.stringify(created)}`);
  target.secrets.push(created.secret);
  return created.endpoint.id;
}

const disable = (id: string) => t.client.graphql.request(DisableWebhookEndpointDocument, { id });

interface EntryRow {
  id: string;
  user_id: number;
  kind: string;
  amount: string;
  balance_after: string;
}

/** The ledger entries of `userIds` with an id above `afterId`, in order. */
const entriesOf = (userIds: string[], afterId = 0) =>
  query<EntryRow>(
    t.orm,
    `select id, user_id, kind, amount, balance_after from ledger_entries
      where user_id = any(?::integer[]) and id > ? order by id`,
    [`{${userIds.join(',')}}`, afterId],
  );

const lastEntryId = async () =>
  Number((await query<{ id: string | null }>(t.orm, 'select max(id) as id from ledger_entries'))[0]!.id ?? 0);

/** The first acknowledged delivery of each event, in the order the receiver acknowledged them. */
function firstAcks(target: TestReceiver, type = 'balance.updated'): Received[] {
  const seen = new Set<string>();
  return target.acknowledged().filter((delivery) => {
    if (delivery.type !== type || seen.has(delivery.id)) return false;
    seen.add(delivery.id);
    return true;
  });
}

/** Every event of `entries` acknowledged, each user's in ledger order; every delivery verified. */
async function expectDelivered(target: TestReceiver, entries: EntryRow[]) {
  const wanted = new Set(entries.map((entry) => `evt_${entry.id}_0`));
  await target.until(() => firstAcks(target).filter((delivery) => wanted.has(delivery.id)).length === wanted.size);
  expect(target.received.every((delivery) => delivery.verified)).toBe(true);
  const acks = firstAcks(target).filter((delivery) => wanted.has(delivery.id));
  const perUser = new Map<string, number[]>();
  for (const delivery of acks) {
    const list = perUser.get(delivery.data['userId'] as string) ?? [];
    list.push(Number(delivery.data['entryId']));
    perUser.set(delivery.data['userId'] as string, list);
  }
  for (const ids of perUser.values()) expect(ids).toEqual([...ids].sort((a, b) => a - b));
  const byId = new Map(acks.map((delivery) => [Number(delivery.data['entryId']), delivery]));
  for (const entry of entries) {
    expect(byId.get(Number(entry.id))?.data).toMatchObject({
      userId: String(entry.user_id),
      entryId: entry.id,
      kind: entry.kind,
      amount: Number(entry.amount),
      balance: Number(entry.balance_after),
    });
  }
}

describe('webhook endpoints', () => {
  it('refuse URLs that are not https or loopback http, carry credentials or point inside; unknown event types', async () => {
    const bad: [string, string[]][] = [
      ['ftp://127.0.0.1/x', ['*']],
      ['http://example.com/hooks', ['*']],
      ['https://10.1.2.3/hooks', ['*']],
      ['https://169.254.169.254/latest/meta-data', ['*']],
      ['https://[fd00::1]/hooks', ['*']],
      ['http://user:secret@127.0.0.1/hooks', ['*']],
      ['not a url', ['*']],
      ['https://example.com/hooks', []],
      ['https://example.com/hooks', ['balance.updatd']],
    ];
    for (const [url, events] of bad) {
      const answer = (await t.client.graphql.request(CreateWebhookEndpointDocument, { url, events }))
        .createWebhookEndpoint;
      expect(answer, url).toMatchObject({
        __typename: 'InvalidInput',
        field: events.length === 1 && events[0] === '*' ? 'url' : 'events',
      });
    }
    const list = (await t.client.graphql.request(WebhookEndpointsDocument)).webhookEndpoints;
    expect(list.filter((endpoint) => bad.some(([url]) => url === endpoint.url))).toEqual([]);
  });

  it('answer the secret once, list endpoints without it, update and disable them', async () => {
    const created = (
      await t.client.graphql.request(CreateWebhookEndpointDocument, {
        url: 'https://receiver.example/hooks',
        events: ['balance.updated'],
        description: 'accounting',
      })
    ).createWebhookEndpoint;
    expect(created).toMatchObject({ __typename: 'WebhookEndpointCreated', secret: expect.stringMatching(/^whsec_/) });
    const id = (created as { endpoint: { id: string } }).endpoint.id;
    const updated = (
      await t.client.graphql.request(UpdateWebhookEndpointDocument, { id, events: ['hold.placed', 'hold.captured'] })
    ).updateWebhookEndpoint;
    expect(updated).toMatchObject({
      __typename: 'WebhookEndpointUpdated',
      endpoint: {
        url: 'https://receiver.example/hooks',
        events: ['hold.placed', 'hold.captured'],
        description: 'accounting',
      },
    });
    expect((await disable(id)).disableWebhookEndpoint).toMatchObject({ endpoint: { enabled: false } });
    expect((await disable(id)).disableWebhookEndpoint).toMatchObject({ __typename: 'WebhookEndpointNotFound' });
    expect(
      (await t.client.graphql.request(UpdateWebhookEndpointDocument, { id, description: 'x' })).updateWebhookEndpoint,
    ).toMatchObject({ __typename: 'WebhookEndpointNotFound' });
    expect(
      (await t.client.graphql.request(RotateWebhookSecretDocument, { id: '99999' })).rotateWebhookSecret,
    ).toMatchObject({ __typename: 'WebhookEndpointNotFound' });
    const [listed] = (await t.client.graphql.request(WebhookEndpointsDocument)).webhookEndpoints.filter(
      (endpoint) => endpoint.id === id,
    );
    expect(listed).toMatchObject({ enabled: false, description: 'accounting' });
    expect(JSON.stringify(listed)).not.toContain('whsec_');
  });
});

describe('webhook delivery', () => {
  it('delivers every kind of change as its events, signed, with the entry, balance and version after it', async () => {
    const target = await receiver();
    const endpointId = await subscribe(target);
    const [payer, payee] = [await insertUser(t.orm, 1000), await insertUser(t.orm, 0)];
    const { graphql } = t.client;
    await graphql.request(DepositDocument, { userId: payer, amount: 50 });
    await graphql.request(WithdrawDocument, { userId: payer, amount: 20 });
    await graphql.request(UpdateBalanceDocument, { userId: payer, amount: -5 });
    await graphql.request(TransferDocument, { fromUserId: payer, toUserId: payee, amount: 100 });
    const placed = (await graphql.request(HoldDocument, { userId: payer, amount: 30, expiresIn: 600 })).hold;
    const holdId = (placed as { hold: { id: string } }).hold.id;
    await graphql.request(CaptureHoldDocument, { holdId, amount: 10 });
    const second = (await graphql.request(HoldDocument, { userId: payer, amount: 7, expiresIn: 600 })).hold;
    await graphql.request(VoidHoldDocument, { holdId: (second as { hold: { id: string } }).hold.id });
    await graphql.request(SetLimitsDocument, { userId: payee, limits: { maxBalance: 5000 } });
    await graphql.request(SetAccountStatusDocument, { userId: payee, status: 'FROZEN', reason: 'review' });
    await graphql.request(SetAccountStatusDocument, { userId: payee, status: 'ACTIVE' });
    const entries = await entriesOf([payer, payee]);
    await expectDelivered(target, entries);
    const types = (type: string) =>
      firstAcks(target, type).filter((d) => [payer, payee].includes(d.data['userId'] as string));
    // Every user's opening is an entry, 0 too.
    expect(types('user.created').map((d) => [d.data['userId'], d.data['balance']])).toEqual([
      [payer, 1000],
      [payee, 0],
    ]);
    expect(types('transfer.completed').map((d) => d.data)).toEqual([
      expect.objectContaining({ fromUserId: payer, toUserId: payee, amount: 100, transferId: expect.any(String) }),
    ]);
    expect(types('hold.placed').map((d) => d.data['holdAmount'])).toEqual([30, 7]);
    expect(types('hold.captured').map((d) => d.data)).toEqual([expect.objectContaining({ holdId, amount: -10 })]);
    expect(types('hold.voided')).toHaveLength(1);
    expect(types('account.limits_changed').map((d) => d.data['rules'])).toEqual([
      expect.objectContaining({ maxBalance: 5000 }),
    ]);
    expect(types('account.frozen').map((d) => d.data['reason'])).toEqual(['review']);
    // An entry's own event comes right after its balance.updated.
    await target.until(() => types('account.unfrozen').length === 1);
    // The version after each entry: the payer's last event carries the payer's version now.
    const [{ version }] = await query<{ version: number }>(t.orm, 'select version from users where id = ?', [
      Number(payer),
    ]);
    const payerEvents = firstAcks(target).filter((d) => d.data['userId'] === payer);
    expect(payerEvents.at(-1)!.data['version']).toBe(version);
    expect(payerEvents.map((d) => d.data['version'])).toEqual(
      payerEvents.map((_, i) => version - payerEvents.length + 1 + i),
    );
    const deliveries = (
      await graphql.request(WebhookDeliveriesDocument, { endpointId, status: 'DELIVERED', first: 100 })
    ).webhookDeliveries;
    expect(deliveries.length).toBeGreaterThanOrEqual(entries.length);
    expect(deliveries[0]).toMatchObject({ status: 'DELIVERED', attempts: 1, responseStatus: 204, error: null });
    await disable(endpointId);
  });

  it('sends only the types an endpoint asked for', async () => {
    const target = await receiver();
    const endpointId = await subscribe(target, ['hold.placed']);
    const userId = await insertUser(t.orm, 100);
    await t.client.graphql.request(WithdrawDocument, { userId, amount: 1 });
    await t.client.graphql.request(HoldDocument, { userId, amount: 5, expiresIn: 600 });
    await target.until(() => target.acknowledged().some((d) => d.data['userId'] === userId));
    expect(target.received.map((d) => d.type)).toEqual(['hold.placed']);
    await disable(endpointId);
  });

  it('retries a receiver that fails 30% of the time: every event arrives, each user in order, same id each time', async () => {
    const target = await receiver('flaky', 7);
    const endpointId = await subscribe(target, ['balance.updated']);
    const users = await Promise.all(Array.from({ length: 5 }, () => insertUser(t.orm, 1000)));
    const after = await lastEntryId();
    await Promise.all(
      users.flatMap((userId) =>
        Array.from({ length: 40 }, (_, i) =>
          t.client.graphql.request(UpdateBalanceDocument, { userId, amount: i % 3 === 0 ? 3 : -2 }),
        ),
      ),
    );
    const entries = await entriesOf(users, after);
    expect(entries).toHaveLength(200);
    await expectDelivered(target, entries);
    expect(target.received.some((d) => d.status === 500)).toBe(true);
    // A failed event is sent again before any later event of its user.
    for (const userId of users) {
      const ids = target.received.filter((d) => d.data['userId'] === userId).map((d) => Number(d.data['entryId']));
      for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThanOrEqual(ids[i - 1]!);
    }
    await disable(endpointId);
  });

  it('keeps events for a receiver that is down (its delivery says why) and sends them when it is back', async () => {
    const target = await receiver();
    await target.goDown();
    const endpointId = await subscribe(target, ['balance.updated']);
    const userId = await insertUser(t.orm, 100);
    for (let i = 0; i < 5; i++) await t.client.graphql.request(WithdrawDocument, { userId, amount: 1 });
    const pending = async () =>
      (await t.client.graphql.request(WebhookDeliveriesDocument, { endpointId, status: 'PENDING' })).webhookDeliveries;
    await expect.poll(pending, { timeout: 10_000, interval: 50 }).toEqual([
      expect.objectContaining({
        status: 'PENDING',
        error: expect.stringMatching(/ECONNREFUSED/),
        responseStatus: null,
      }),
    ]);
    await target.comeUp();
    await expectDelivered(target, await entriesOf([userId]));
    // Recorded once the run that delivered them ends.
    await expect.poll(pending, { timeout: 10_000, interval: 50 }).toEqual([]);
    await disable(endpointId);
  });

  it('times out a receiver that hangs, without holding up another endpoint or the service', async () => {
    const [hanging, quick] = [await receiver('hang'), await receiver()];
    const slowId = await subscribe(hanging, ['balance.updated']);
    const quickId = await subscribe(quick, ['balance.updated']);
    const userId = await insertUser(t.orm, 100);
    for (let i = 0; i < 10; i++) await t.client.graphql.request(WithdrawDocument, { userId, amount: 1 });
    const entries = await entriesOf([userId]);
    await expectDelivered(quick, entries);
    await expect
      .poll(
        async () =>
          (await t.client.graphql.request(WebhookDeliveriesDocument, { endpointId: slowId, status: 'PENDING' }))
            .webhookDeliveries,
        { timeout: 10_000, interval: 50 },
      )
      .toEqual([expect.objectContaining({ error: 'timeout after 1000 ms' })]);
    hanging.behaviour = 'ok';
    await expectDelivered(hanging, entries);
    await disable(slowId);
    await disable(quickId);
  });

  it('signs with both secrets during a rotation, then with the new one only', async () => {
    const target = await receiver();
    const endpointId = await subscribe(target, ['balance.updated']);
    const oldSecret = target.secrets[0]!;
    const rotated = (
      await t.client.graphql.request(RotateWebhookSecretDocument, { id: endpointId, graceSeconds: 3600 })
    ).rotateWebhookSecret;
    expect(rotated).toMatchObject({
      __typename: 'WebhookSecretRotated',
      endpoint: { previousSecretUntil: expect.any(String) },
    });
    const newSecret = (rotated as { secret: string }).secret;
    const userId = await insertUser(t.orm, 100);
    await t.client.graphql.request(WithdrawDocument, { userId, amount: 1 });
    // Verified with the old secret alone: a receiver that has not switched yet loses nothing.
    target.secrets = [oldSecret];
    await expectDelivered(target, await entriesOf([userId]));
    expect(target.acknowledged().at(-1)!.signatures).toBe(2);
    await t.client.graphql.request(RotateWebhookSecretDocument, { id: endpointId, graceSeconds: 0 });
    expect(
      (await t.client.graphql.request(RotateWebhookSecretDocument, { id: endpointId, graceSeconds: -1 }))
        .rotateWebhookSecret,
    ).toMatchObject({ __typename: 'InvalidInput', field: 'graceSeconds' });
    expect(newSecret).not.toBe(oldSecret);
    await disable(endpointId);
  });

  it('redelivers one event on request, under the same id', async () => {
    const target = await receiver();
    const endpointId = await subscribe(target, ['balance.updated']);
    const userId = await insertUser(t.orm, 100);
    await t.client.graphql.request(WithdrawDocument, { userId, amount: 1 });
    const entries = await entriesOf([userId]);
    await expectDelivered(target, entries);
    const eventId = `evt_${entries.at(-1)!.id}_0`;
    const again = (await t.client.graphql.request(RedeliverWebhookEventDocument, { eventId, endpointId }))
      .redeliverWebhookEvent;
    expect(again).toMatchObject({
      __typename: 'WebhookRedelivered',
      deliveries: [{ eventId, status: 'DELIVERED', attempts: 2, responseStatus: 204 }],
    });
    expect(target.acknowledged().filter((d) => d.id === eventId)).toHaveLength(2);
    for (const missing of ['evt_999999999_0', 'nonsense', `evt_${entries.at(-1)!.id}_9`]) {
      expect(
        (await t.client.graphql.request(RedeliverWebhookEventDocument, { eventId: missing })).redeliverWebhookEvent,
      ).toMatchObject({ __typename: 'WebhookEventNotFound', eventId: missing });
    }
    await disable(endpointId);
  });
});

describe('balance monitors', () => {
  it('fire once per crossing, and again only after the balance went back', async () => {
    const target = await receiver();
    const endpointId = await subscribe(target, ['balance.below_threshold', 'balance.above_threshold']);
    const userId = await insertUser(t.orm, 100);
    const create = (direction: 'BELOW' | 'ABOVE', threshold: number, user: string | null = userId) =>
      t.client.graphql.request(CreateBalanceMonitorDocument, { direction, threshold, userId: user });
    const below = (await create('BELOW', 50)).createBalanceMonitor;
    expect(below).toMatchObject({ __typename: 'BalanceMonitorCreated', monitor: { threshold: 50, userId } });
    await create('ABOVE', 80);
    expect((await create('BELOW', 1, '999999')).createBalanceMonitor).toMatchObject({ __typename: 'UserNotFound' });
    // 100 -> 60 -> 40 (below) -> 30 -> 90 (above) -> 45 (below) -> 85 (above)
    for (const amount of [-40, -20, -10, 60, -45, 40]) {
      await t.client.graphql.request(UpdateBalanceDocument, { userId, amount });
    }
    await target.until(() => target.acknowledged().length >= 4);
    const events = target.acknowledged().map((d) => [d.type, d.data['balance'], d.data['previousBalance']]);
    expect(events).toEqual([
      ['balance.below_threshold', 40, 60],
      ['balance.above_threshold', 90, 30],
      ['balance.below_threshold', 45, 90],
      ['balance.above_threshold', 85, 45],
    ]);
    await disable(endpointId);
  });

  it('a burst of 10,000 withdrawals that crosses a threshold once fires exactly once', async () => {
    const target = await receiver();
    const endpointId = await subscribe(target, ['balance.below_threshold', 'balance.above_threshold']);
    const userId = await insertUser(t.orm, 10_000);
    const create = (direction: 'BELOW' | 'ABOVE', threshold: number, user: string | null) =>
      t.client.graphql.request(CreateBalanceMonitorDocument, { direction, threshold, userId: user });
    await create('BELOW', 5000, userId);
    await create('ABOVE', 9000, userId);
    // Every user's: the burst empties the account, crossing under 1 once.
    const anyone = (await create('BELOW', 1, null)).createBalanceMonitor;
    const report = await runBurst({ urls: [t.url], userId, amount: -2, requests: 10_000 });
    expect(report.counts).toEqual({ BalanceUpdated: 5000, InsufficientFunds: 5000 });
    // Done when the endpoint's stream of this user has handled the user's last entry.
    const [{ last }] = await query<{ last: string }>(
      t.orm,
      'select max(id) as last from ledger_entries where user_id = ?',
      [Number(userId)],
    );
    const handled = async () =>
      (
        await query<{ cursor: string }>(
          t.orm,
          'select cursor_entry_id as cursor from webhook_streams where endpoint_id = ? and user_id = ?',
          [Number(endpointId), Number(userId)],
        )
      )[0]?.cursor;
    await expect.poll(handled, { timeout: 60_000, interval: 100 }).toBe(last);
    const fired = target.received.filter((d) => d.data['userId'] === userId);
    expect(fired.map((d) => [d.type, d.data['previousBalance'], d.data['balance']])).toEqual([
      ['balance.below_threshold', 5000, 4998],
      ['balance.below_threshold', 2, 0],
    ]);
    expect(fired[1]!.data['monitorId']).toBe((anyone as { monitor: { id: string } }).monitor.id);
    await disable(endpointId);
  });
});

describe('an endpoint that keeps failing', () => {
  const quick = useTestApp({
    WEBHOOK_POLL_MS: '50',
    WEBHOOK_RETRY_BASE_MS: '50',
    WEBHOOK_RETRY_MAX_DELAY: '100',
    WEBHOOK_RETRY_MAX_AGE: '400ms',
    WEBHOOK_TIMEOUT_MS: '1000',
    WEBHOOK_LEASE_MS: '5000',
    WEBHOOK_DELIVERY_RETENTION: '1s',
    // 4 slots per process: an endpoint whose last attempt failed gets at most 1 of them.
    WEBHOOK_CONCURRENCY: '4',
  });

  it('gets each event given up (FAILED, visible) after WEBHOOK_RETRY_MAX_AGE, and the next ones after it', async () => {
    const target = await receiver('fail');
    const endpointId = await subscribe(target, ['balance.updated'], quick.client);
    const userId = await insertUser(quick.orm, 100);
    for (let i = 0; i < 2; i++) await quick.client.graphql.request(WithdrawDocument, { userId, amount: 1 });
    const failed = async () =>
      (
        await quick.client.graphql.request(WebhookDeliveriesDocument, { endpointId, status: 'FAILED' })
      ).webhookDeliveries.filter((d) => d.userId === userId);
    await expect.poll(async () => (await failed()).length, { timeout: 20_000, interval: 50 }).toBe(2);
    const [latest] = await failed();
    expect(latest).toMatchObject({
      status: 'FAILED',
      responseStatus: 500,
      error: 'status 500: receiver failed on purpose',
      nextAttemptAt: null,
    });
    expect(latest!.attempts).toBeGreaterThan(2);
    // The receiver recovers: later events flow, and a given-up one can be sent again by hand.
    target.behaviour = 'ok';
    await quick.client.graphql.request(WithdrawDocument, { userId, amount: 1 });
    const [, , third] = await query<{ id: string }>(
      quick.orm,
      'select id from ledger_entries where user_id = ? order by id offset 1',
      [Number(userId)],
    );
    await target.until(() => target.acknowledgedIds.has(`evt_${third!.id}_0`));
    const again = (
      await quick.client.graphql.request(RedeliverWebhookEventDocument, { eventId: latest!.eventId, endpointId })
    ).redeliverWebhookEvent;
    expect(again).toMatchObject({
      deliveries: [{ eventId: latest!.eventId, status: 'DELIVERED', responseStatus: 204 }],
    });
    expect(await failed()).toHaveLength(1);
    // Delivered ones are forgotten after WEBHOOK_DELIVERY_RETENTION (here 1 s); the FAILED one stays.
    const delivered = async () =>
      (await quick.client.graphql.request(WebhookDeliveriesDocument, { endpointId, status: 'DELIVERED' }))
        .webhookDeliveries.length;
    expect(await delivered()).toBeGreaterThan(0);
    await expect.poll(delivered, { timeout: 10_000, interval: 100 }).toBe(0);
    expect(await failed()).toHaveLength(1);
  });

  it('does not let a hanging endpoint take the slots of the others', async () => {
    const [hanging, healthy] = [await receiver('hang'), await receiver()];
    const hangingId = await subscribe(hanging, ['balance.updated'], quick.client);
    const healthyId = await subscribe(healthy, ['balance.updated'], quick.client);
    // A first event finds the hanging endpoint out (a timeout after 1 s): from then on it is capped.
    const first = await insertUser(quick.orm, 1);
    await expect
      .poll(
        async () =>
          (
            await quick.client.graphql.request(WebhookDeliveriesDocument, { endpointId: hangingId })
          ).webhookDeliveries.some((d) => d.userId === first),
        { timeout: 10_000, interval: 50 },
      )
      .toBe(true);
    const users = await Promise.all(Array.from({ length: 12 }, () => insertUser(quick.orm, 5)));
    const entries = await query<{ id: string; user_id: number }>(
      quick.orm,
      "select id, user_id from ledger_entries where user_id = any(?::integer[]) and kind = 'INITIAL'",
      [`{${users.join(',')}}`],
    );
    await healthy.until(() => entries.every((entry) => healthy.acknowledgedIds.has(`evt_${entry.id}_0`)));
    // Meanwhile the hanging endpoint got at most its one slot's attempts (each hangs until the 1 s timeout).
    const tried = hanging.received.filter((d) => users.includes(d.data['userId'] as string));
    expect(tried.length).toBeLessThanOrEqual(2);
    await quick.client.graphql.request(DisableWebhookEndpointDocument, { id: hangingId });
    await quick.client.graphql.request(DisableWebhookEndpointDocument, { id: healthyId });
  });
});
