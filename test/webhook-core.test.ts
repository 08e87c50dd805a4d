// The pure parts of webhooks: which URLs and addresses may receive, the retry schedule, events from entries.
import { describe, expect, it } from 'vitest';
import { LedgerEntryKind } from '../src/core/ledger.js';
import {
  crosses,
  eventsOf,
  isWebhookEventType,
  parseWebhookEventId,
  webhookBody,
  webhookEventId,
  type BalanceMonitor,
  type EventEntry,
} from '../src/core/webhook-events.js';
import { givesUp, retryDelay } from '../src/core/webhook-retry.js';
import { addressProblem, webhookUrlProblem } from '../src/core/webhook-url.js';

const policy = { httpHosts: ['localhost', '127.0.0.1', '[::1]'], privateNetworks: false };

describe('webhook URLs', () => {
  it('accept https anywhere public and http only to the allowed hosts', () => {
    for (const url of [
      'https://hooks.example.com/x',
      'http://127.0.0.1:4800/',
      'http://localhost/x',
      'http://[::1]:80/',
    ]) {
      expect(webhookUrlProblem(url, policy), url).toBeUndefined();
    }
  });

  it('refuse other schemes, credentials, and addresses inside however they are written', () => {
    for (const url of [
      'ftp://example.com/',
      'file:///etc/passwd',
      'http://example.com/',
      'https://user:pass@example.com/',
      'https://10.0.0.1/',
      'https://0x0a.1/',
      'https://167772161/',
      'https://[::ffff:10.0.0.1]/',
      'https://[::ffff:a00:1]/',
      'https://[::ffff:7f00:1]/',
      'https://169.254.169.254/',
      'https://[fe80::1]/',
      'https://[fd12::1]/',
      'https://[64:ff9b::a00:1]/',
      'https://0.0.0.0/',
      'https://[::]/',
      'https://100.64.0.1/',
      `https://example.com/${'x'.repeat(2100)}`,
    ]) {
      expect(webhookUrlProblem(url, policy), url).toBeDefined();
    }
  });

  it('say why, at the edges: length, credentials of either kind, http without an allowed host', () => {
    const base = 'https://example.com/';
    expect(webhookUrlProblem(base + 'x'.repeat(2048 - base.length), policy)).toBeUndefined();
    expect(webhookUrlProblem(base + 'x'.repeat(2049 - base.length), policy)).toBe('A URL has at most 2048 characters');
    expect(webhookUrlProblem('https://user@example.com/', policy)).toBe('A webhook URL carries no credentials');
    expect(webhookUrlProblem('https://:pw@example.com/', policy)).toBe('A webhook URL carries no credentials');
    expect(webhookUrlProblem('gopher://example.com/', policy)).toBe('Only http(s) URLs receive webhooks');
    expect(webhookUrlProblem('nonsense', policy)).toBe('Not a URL (expected https://host/path)');
    expect(webhookUrlProblem('http://example.com/', policy)).toBe(
      'Plain http is allowed only to localhost, 127.0.0.1, [::1]; use https',
    );
    expect(webhookUrlProblem('http://localhost/', { ...policy, httpHosts: [] })).toBe(
      'Plain http is allowed only to no host; use https',
    );
    expect(webhookUrlProblem('https://93.184.215.14/', policy)).toBeUndefined();
    expect(webhookUrlProblem('https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/', policy)).toBeUndefined();
    expect(webhookUrlProblem('https://10.0.0.1/', policy)).toBe(
      '10.0.0.1 is (or resolves to) 10.0.0.1, a private address, which webhooks may not reach',
    );
  });

  it('check resolved addresses: loopback only under a host allowed for http, private only when allowed', () => {
    expect(addressProblem('127.0.0.1', 'LOCALHOST', policy)).toBeUndefined();
    // A host allowed for http may reach loopback, not a private network it resolves into.
    expect(addressProblem('10.0.0.5', 'localhost', policy)).toMatch(/a private address/);
    const open = { ...policy, privateNetworks: true };
    expect(addressProblem('127.0.0.1', 'rebound.example', open)).toBe(
      'rebound.example is (or resolves to) 127.0.0.1, a loopback address, which webhooks may not reach',
    );
    expect(addressProblem('169.254.169.254', 'metadata', policy)).toMatch(/a link-local address/);
    expect(addressProblem('224.0.0.1', 'multicast', open)).toBeUndefined();
    expect(addressProblem('224.0.0.1', 'multicast', policy)).toMatch(/a reserved address/);
    expect(addressProblem('127.0.0.1', 'localhost', policy)).toBeUndefined();
    expect(addressProblem('127.0.0.1', 'rebound.example', policy)).toMatch(/loopback/);
    expect(addressProblem('::ffff:7f00:1', 'rebound.example', policy)).toMatch(/loopback/);
    expect(addressProblem('10.1.2.3', 'inside.example', policy)).toMatch(/private/);
    expect(addressProblem('10.1.2.3', 'inside.example', { ...policy, privateNetworks: true })).toBeUndefined();
    expect(addressProblem('93.184.215.14', 'example.com', policy)).toBeUndefined();
    expect(addressProblem('2606:2800:21f:cb07:6820:80da:af6b:8b2c', 'example.com', policy)).toBeUndefined();
  });
});

describe('webhook retries', () => {
  const retry = { baseMs: 5000, maxDelayMs: 3_600_000, maxAgeMs: 3 * 86_400_000 };

  it('double from the base, within 20% jitter, up to the ceiling', () => {
    expect([1, 2, 3, 4].map((failures) => retryDelay(retry, failures, () => 0.5))).toEqual([5000, 10000, 20000, 40000]);
    expect(retryDelay(retry, 1, () => 0)).toBe(4000);
    expect(retryDelay(retry, 1, () => 1)).toBe(6000);
    expect(retryDelay(retry, 30, () => 0.5)).toBe(3_600_000);
    expect(retryDelay(retry, 10_000, () => 0.5)).toBe(3_600_000);
  });

  it('give up once the next attempt would come later than the maximum age after the first', () => {
    expect(givesUp(retry, 0, retry.maxAgeMs)).toBe(false);
    expect(givesUp(retry, 0, retry.maxAgeMs + 1)).toBe(true);
    expect(givesUp(retry, 5000, 5000 + retry.maxAgeMs)).toBe(false);
    expect(givesUp(retry, 5000, 5001 + retry.maxAgeMs)).toBe(true);
  });
});

describe('webhook events', () => {
  const at = new Date('2026-12-06T10:00:00Z');
  const entry = (patch: Partial<EventEntry>): EventEntry => ({
    id: 10,
    userId: 3,
    kind: LedgerEntryKind.WITHDRAWAL,
    amount: -20,
    balanceAfter: 40,
    heldAfter: 0,
    version: 7,
    reason: null,
    idempotencyKey: null,
    counterpartyId: null,
    transferId: null,
    holdId: null,
    holdAmount: null,
    details: null,
    createdAt: at,
    ...patch,
  });
  const monitor = (patch: Partial<BalanceMonitor>): BalanceMonitor => ({
    id: 1,
    userId: null,
    direction: 'BELOW',
    threshold: 50,
    createdAt: new Date(at.getTime() - 1000),
    deletedAt: null,
    ...patch,
  });

  it('have ids from their entry and slot, parsed back exactly', () => {
    expect(webhookEventId(10, 0)).toBe('evt_10_0');
    expect(parseWebhookEventId('evt_10_3')).toEqual({ entryId: 10, slot: 3 });
    expect(parseWebhookEventId('evt_123456_78')).toEqual({ entryId: 123456, slot: 78 });
    expect(parseWebhookEventId('evt_9007199254740991_0')).toEqual({ entryId: 9007199254740991, slot: 0 });
    for (const bad of [
      'evt_0_0',
      'evt_1_01',
      'evt_1',
      'x_1_0',
      'xevt_1_0',
      'evt_1_0x',
      'evt_99999999999999999_0',
      'evt_9007199254740992_0',
      'evt_1_9007199254740992',
      'evt_1_0 ',
      'evt_1_a',
    ]) {
      expect(parseWebhookEventId(bad), bad).toBeUndefined();
    }
    expect(isWebhookEventType('hold.placed')).toBe(true);
    expect(isWebhookEventType('hold.place')).toBe(false);
  });

  it('fire a monitor only on the entry that crosses its threshold, for its user, while it exists', () => {
    expect(crosses(monitor({}), entry({}))).toBe(true); // 60 -> 40 under 50
    expect(crosses(monitor({}), entry({ amount: -5, balanceAfter: 55 }))).toBe(false);
    expect(crosses(monitor({}), entry({ amount: -5, balanceAfter: 45 }))).toBe(true);
    expect(crosses(monitor({}), entry({ amount: -5, balanceAfter: 40 }))).toBe(false); // 45 -> 40: already below
    expect(crosses(monitor({ threshold: 60 }), entry({}))).toBe(true); // exactly at it before: still a crossing
    expect(crosses(monitor({ userId: 4 }), entry({}))).toBe(false);
    expect(crosses(monitor({ createdAt: new Date(at.getTime() + 1) }), entry({}))).toBe(false);
    expect(crosses(monitor({ deletedAt: at }), entry({}))).toBe(false);
    expect(crosses(monitor({ deletedAt: new Date(at.getTime() + 1) }), entry({}))).toBe(true);
    expect(crosses(monitor({ createdAt: at }), entry({}))).toBe(true);
    expect(crosses(monitor({ userId: 3 }), entry({}))).toBe(true);
    expect(crosses(monitor({ threshold: 40 }), entry({}))).toBe(false); // 60 -> 40: at it, not under it
    const above = monitor({ direction: 'ABOVE', threshold: 50 });
    expect(crosses(above, entry({ amount: 20, balanceAfter: 60 }))).toBe(true); // 40 -> 60
    expect(crosses(above, entry({ amount: 20, balanceAfter: 50 }))).toBe(false); // 30 -> 50: not above
    expect(crosses(above, entry({ amount: 20, balanceAfter: 70 }))).toBe(true); // 50 -> 70: from at it to above
    expect(crosses(above, entry({ amount: 5, balanceAfter: 60 }))).toBe(false); // 55 -> 60: already above
  });

  it("are balance.updated, then the kind's own, then each monitor crossed, in slot order", () => {
    const events = eventsOf(entry({ kind: LedgerEntryKind.TRANSFER_OUT, counterpartyId: 5, transferId: 'tid' }), [
      monitor({ id: 9 }),
      monitor({ id: 2, direction: 'ABOVE' }),
      monitor({ id: 4 }),
    ]);
    expect(events.map((event) => [event.id, event.type])).toEqual([
      ['evt_10_0', 'balance.updated'],
      ['evt_10_1', 'transfer.completed'],
      ['evt_10_5', 'balance.below_threshold'],
      ['evt_10_10', 'balance.below_threshold'],
    ]);
    expect(events[1]!.data).toMatchObject({ fromUserId: '3', toUserId: '5', amount: 20, transferId: 'tid' });
    expect(events[0]!.data).toMatchObject({
      userId: '3',
      entryId: '10',
      kind: 'TRANSFER_OUT',
      amount: -20,
      balance: 40,
      version: 7,
    });
    const status = (value: string) =>
      eventsOf(entry({ kind: LedgerEntryKind.STATUS, amount: 0, details: { status: value, actor: 'admin' } }), [])[1]!
        .type;
    expect([status('FROZEN'), status('ACTIVE'), status('CLOSED')]).toEqual([
      'account.frozen',
      'account.unfrozen',
      'account.closed',
    ]);
    expect(
      eventsOf(entry({ kind: LedgerEntryKind.DEPOSIT, amount: 5, balanceAfter: 65 }), []).map((e) => e.type),
    ).toEqual(['balance.updated']);
  });

  it('carry what each kind needs: holds their hold, rules changes the rules and who asked, monitors the threshold', () => {
    const kinds: [LedgerEntryKind, string][] = [
      [LedgerEntryKind.INITIAL, 'user.created'],
      [LedgerEntryKind.HOLD, 'hold.placed'],
      [LedgerEntryKind.CAPTURE, 'hold.captured'],
      [LedgerEntryKind.VOID, 'hold.voided'],
      [LedgerEntryKind.EXPIRY, 'hold.expired'],
      [LedgerEntryKind.LIMITS, 'account.limits_changed'],
    ];
    for (const [kind, type] of kinds) expect(eventsOf(entry({ kind }), [])[1]?.type, kind).toBe(type);
    for (const kind of [
      LedgerEntryKind.UPDATE,
      LedgerEntryKind.SET,
      LedgerEntryKind.TRANSFER_IN,
      LedgerEntryKind.GRANT,
    ]) {
      expect(
        eventsOf(entry({ kind }), []).map((e) => e.type),
        kind,
      ).toEqual(['balance.updated']);
    }
    const hold = eventsOf(entry({ kind: LedgerEntryKind.CAPTURE, holdId: 8, holdAmount: 30 }), [])[1]!;
    expect(hold.data).toEqual({
      userId: '3',
      entryId: '10',
      kind: 'CAPTURE',
      amount: -20,
      balance: 40,
      held: 0,
      version: 7,
      reason: null,
      idempotencyKey: null,
      createdAt: at.toISOString(),
      holdId: '8',
      holdAmount: 30,
    });
    const limits = eventsOf(
      entry({ kind: LedgerEntryKind.LIMITS, amount: 0, details: { maxBalance: 5, actor: 'admin:ops' } }),
      [],
    )[1]!;
    expect(limits.data).toMatchObject({ rules: { maxBalance: 5 }, actor: 'admin:ops' });
    expect(limits.data['rules']).not.toHaveProperty('actor');
    const bare = eventsOf(entry({ kind: LedgerEntryKind.STATUS, amount: 0, details: null }), [])[1]!;
    expect([bare.type, bare.data['rules'], bare.data['actor']]).toEqual(['account.unfrozen', {}, null]);
    const created = eventsOf(entry({ kind: LedgerEntryKind.INITIAL, amount: 40 }), [])[1]!;
    expect(Object.keys(created.data).sort()).toEqual(
      [
        'amount',
        'balance',
        'createdAt',
        'entryId',
        'held',
        'idempotencyKey',
        'kind',
        'reason',
        'userId',
        'version',
      ].sort(),
    );
    const [, crossing] = eventsOf(entry({}), [monitor({ id: 3 })]);
    expect(crossing).toMatchObject({
      id: 'evt_10_4',
      slot: 4,
      userId: 3,
      entryId: 10,
      timestamp: at,
      data: { monitorId: '3', threshold: 50, previousBalance: 60, balance: 40 },
    });
    expect(JSON.parse(webhookBody(crossing!))).toEqual({
      type: 'balance.below_threshold',
      timestamp: at.toISOString(),
      data: JSON.parse(JSON.stringify(crossing!.data)),
    });
    const rising = eventsOf(entry({ amount: 20, balanceAfter: 60 }), [monitor({ id: 1, direction: 'ABOVE' })]);
    expect(rising.map((e) => e.type)).toEqual(['balance.updated', 'balance.above_threshold']);
    const [updated] = eventsOf(entry({ transferId: 'x', counterpartyId: 9, holdId: 2 }), []);
    expect(updated!.data).toMatchObject({ counterpartyId: '9', transferId: 'x', holdId: '2' });
    expect(eventsOf(entry({}), [])[0]!.data).toMatchObject({ counterpartyId: null, holdId: null });
  });
});
