import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchDocument,
  CaptureHoldDocument,
  createBalanceClient,
  DepositDocument,
  HoldDocument,
  RuleChangesDocument,
  SetAccountStatusDocument,
  SetBalanceDocument,
  SetLimitsDocument,
  TransferDocument,
  UpdateBalanceDocument,
  UserDocument,
  VoidHoldDocument,
  WithdrawDocument,
  type AccountStatus,
  type BalanceClient,
  type LimitsInput,
} from '../client/index.js';
import { insertUser, JWT_ENV, ledgerViolations, query, signToken, startTestApp, useTestApp } from './helpers.js';
import { startServers, type ServerCluster } from './server-process.js';

// Account rules (issue 23): limits per account (a minimum, i.e. a credit line; a maximum; a daily debit limit)
// and a status (ACTIVE, FROZEN, CLOSED), each change an operation in the account's lane, recorded in its ledger.

const t = useTestApp();

const setLimits = (client: BalanceClient, userId: string, limits: LimitsInput) =>
  client.graphql.request(SetLimitsDocument, { userId, limits }).then((d) => d.setLimits);
const setStatus = (client: BalanceClient, userId: string, status: AccountStatus, reason?: string) =>
  client.graphql.request(SetAccountStatusDocument, { userId, status, reason }).then((d) => d.setAccountStatus);
const withdraw = (client: BalanceClient, userId: string, amount: number) =>
  client.graphql.request(WithdrawDocument, { userId, amount }).then((d) => d.withdraw);
const deposit = (client: BalanceClient, userId: string, amount: number) =>
  client.graphql.request(DepositDocument, { userId, amount }).then((d) => d.deposit);
const transfer = (client: BalanceClient, fromUserId: string, toUserId: string, amount: number) =>
  client.graphql.request(TransferDocument, { fromUserId, toUserId, amount }).then((d) => d.transfer);
const hold = (client: BalanceClient, userId: string, amount: number) =>
  client.graphql.request(HoldDocument, { userId, amount, expiresIn: 600 }).then((d) => d.hold);
const userOf = (client: BalanceClient, id: string) => client.graphql.request(UserDocument, { id }).then((d) => d.user!);
const row = async (userId: string) => {
  const [found] = await query<{ balance: string; version: number; entries: string }>(
    t.orm,
    `select balance, version, (select count(*) from ledger_entries where user_id = users.id) as entries
       from users where id = ?`,
    [Number(userId)],
  );
  return { balance: Number(found!.balance), version: found!.version, entries: Number(found!.entries) };
};
const counts = (answers: string[]) =>
  answers.reduce<Record<string, number>>((c, a) => ({ ...c, [a]: (c[a] ?? 0) + 1 }), {});

describe('setLimits', () => {
  it('changes only the limits sent (null removes one), records each change with who made it, moves the version', async () => {
    const userId = await insertUser(t.orm, 100);
    const before = await row(userId);
    const set = await setLimits(t.client, userId, { minBalance: -50, maxBalance: 1000, dailyDebitLimit: 300 });
    expect(set).toMatchObject({
      __typename: 'LimitsSet',
      user: {
        id: userId,
        version: before.version + 1,
        available: 150,
        status: 'ACTIVE',
        limits: { minBalance: -50, maxBalance: 1000, dailyDebitLimit: 300, debitedToday: 0 },
      },
    });
    expect(await setLimits(t.client, userId, { maxBalance: null })).toMatchObject({
      user: { limits: { minBalance: -50, maxBalance: null, dailyDebitLimit: 300 } },
    });
    expect(await setLimits(t.client, userId, { minBalance: null })).toMatchObject({
      user: { available: 100, limits: { minBalance: 0, maxBalance: null, dailyDebitLimit: 300 } },
    });
    expect(await row(userId)).toEqual({ balance: 100, version: before.version + 3, entries: before.entries + 3 });
    const { user } = await t.client.graphql.request(RuleChangesDocument, { userId });
    expect(user!.ruleChanges!.map((c) => [c.actor, c.limits, c.status])).toEqual([
      ['admin', { minBalance: 0, maxBalance: null, dailyDebitLimit: 300 }, 'ACTIVE'],
      ['admin', { minBalance: -50, maxBalance: null, dailyDebitLimit: 300 }, 'ACTIVE'],
      ['admin', { minBalance: -50, maxBalance: 1000, dailyDebitLimit: 300 }, 'ACTIVE'],
    ]);
  });

  it('refuses bad limits with InvalidInput and unknown users with UserNotFound, writing nothing', async () => {
    const userId = await insertUser(t.orm, 100);
    const before = await row(userId);
    await setLimits(t.client, userId, { maxBalance: 500 });
    const cases: [LimitsInput, string][] = [
      [{ maxBalance: -1 }, 'maxBalance'],
      [{ dailyDebitLimit: -1 }, 'dailyDebitLimit'],
      [{ minBalance: 600 }, 'minBalance'],
      [{ minBalance: 10, maxBalance: 5 }, 'minBalance'],
      [{}, 'limits'],
    ];
    for (const [limits, field] of cases) {
      expect(await setLimits(t.client, userId, limits)).toMatchObject({ __typename: 'InvalidInput', field });
    }
    expect(await setLimits(t.client, '987654321', { maxBalance: 5 })).toMatchObject({ __typename: 'UserNotFound' });
    expect(await setLimits(t.client, 'abc', { maxBalance: 5 })).toMatchObject({ __typename: 'UserNotFound' });
    // Past 2^53-1: not a SafeInt, refused before anything runs.
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation { setLimits(userId: "${userId}", limits: { maxBalance: 9007199254740992 }) { __typename } }`,
      }),
    });
    expect(response.status).toBe(400);
    expect(await row(userId)).toEqual({ ...before, version: before.version + 1, entries: before.entries + 1 });
  });

  it('is for staff: role user may not set limits or a status, not even its own, and reads only its own', async () => {
    const app = await startTestApp(JWT_ENV);
    try {
      const userId = await insertUser(app.orm, 100);
      const token = await signToken({ role: 'user', sub: userId });
      for (const document of [
        `mutation { setLimits(userId: "${userId}", limits: { minBalance: -1000 }) { __typename } }`,
        `mutation { setAccountStatus(userId: "${userId}", status: ACTIVE) { __typename } }`,
      ]) {
        const response = await fetch(app.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: document }),
        });
        const body = (await response.json()) as { errors?: { extensions: { code: string } }[] };
        expect(body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      }
      const [found] = await query<{ entries: string }>(
        app.orm,
        'select count(*) as entries from ledger_entries where user_id = ?',
        [Number(userId)],
      );
      expect(Number(found!.entries)).toBe(1);
      // Its own limits, status and their history it may read; another account's, not even through a transfer.
      const other = await insertUser(app.orm, 0);
      const read = async (document: string) => {
        const response = await fetch(app.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: document }),
        });
        return (await response.json()) as { data?: unknown; errors?: { extensions: { code: string } }[] };
      };
      const own = await read(
        `{ user(id: "${userId}") { status limits { minBalance debitedToday } ruleChanges { actor } } }`,
      );
      expect(own).toEqual({
        data: { user: { status: 'ACTIVE', limits: { minBalance: 0, debitedToday: 0 }, ruleChanges: [] } },
      });
      for (const document of [
        `{ user(id: "${other}") { status } }`,
        `mutation { transfer(fromUserId: "${userId}", toUserId: "${other}", amount: 1) {
           ... on TransferCompleted { to { limits { minBalance } } } } }`,
        `mutation { transfer(fromUserId: "${userId}", toUserId: "${other}", amount: 1) {
           ... on TransferCompleted { to { ruleChanges { actor } } } } }`,
      ]) {
        expect((await read(document)).errors?.[0]?.extensions.code, document).toBe('FORBIDDEN');
      }
    } finally {
      await app.close();
    }
  });
});

describe('limits in force', () => {
  it('a credit line: spending down to exactly minBalance, then InsufficientFunds with what is available', async () => {
    const userId = await insertUser(t.orm, 100);
    await setLimits(t.client, userId, { minBalance: -500 });
    expect(await withdraw(t.client, userId, 550)).toMatchObject({ __typename: 'BalanceUpdated', balance: -450 });
    expect(await withdraw(t.client, userId, 51)).toMatchObject({
      __typename: 'InsufficientFunds',
      balance: -450,
      available: 50,
      requested: 51,
    });
    expect(await withdraw(t.client, userId, 50)).toMatchObject({ __typename: 'BalanceUpdated', balance: -500 });
    expect(await userOf(t.client, userId)).toMatchObject({ balance: -500, available: 0 });
    // Raising the minimum past the balance is allowed: later spending is refused, credits still apply.
    await setLimits(t.client, userId, { minBalance: 0 });
    expect(await withdraw(t.client, userId, 1)).toMatchObject({ __typename: 'InsufficientFunds', available: -500 });
    expect(await deposit(t.client, userId, 100)).toMatchObject({ __typename: 'BalanceUpdated', balance: -400 });
    // The database keeps the rule too: no statement takes the available balance further below the minimum.
    await expect(query(t.orm, 'update users set balance = balance - 1 where id = ?', [Number(userId)])).rejects.toThrow(
      /minimum balance/,
    );
  });

  it('maxBalance: a credit past it is LimitExceeded (a transfer names the payee); debits still apply', async () => {
    const [userId, payer] = [await insertUser(t.orm, 100), await insertUser(t.orm, 1000)];
    await setLimits(t.client, userId, { maxBalance: 150 });
    expect(await deposit(t.client, userId, 51)).toMatchObject({
      __typename: 'LimitExceeded',
      userId,
      limit: 'MAX_BALANCE',
      limitAmount: 150,
      used: 100,
      requested: 51,
    });
    expect(await transfer(t.client, payer, userId, 51)).toMatchObject({
      __typename: 'LimitExceeded',
      userId,
      limit: 'MAX_BALANCE',
    });
    expect(await transfer(t.client, payer, userId, 50)).toMatchObject({ __typename: 'TransferCompleted' });
    // Lowered below the balance: allowed; spending goes on, credits wait until the balance is below it.
    await setLimits(t.client, userId, { maxBalance: 10 });
    expect(await withdraw(t.client, userId, 100)).toMatchObject({ __typename: 'BalanceUpdated', balance: 50 });
    expect(await deposit(t.client, userId, 1)).toMatchObject({ __typename: 'LimitExceeded', used: 50 });
    await expect(query(t.orm, 'update users set balance = balance + 1 where id = ?', [Number(userId)])).rejects.toThrow(
      /above the maximum/,
    );
  });

  it('dailyDebitLimit: withdrawals, transfers out and captures count; credits do not; lowering it below today is allowed', async () => {
    const [userId, payee] = [await insertUser(t.orm, 1000), await insertUser(t.orm, 0)];
    await setLimits(t.client, userId, { dailyDebitLimit: 100 });
    expect(await withdraw(t.client, userId, 40)).toMatchObject({ __typename: 'BalanceUpdated' });
    expect(
      await t.client.graphql.request(UpdateBalanceDocument, { userId, amount: -10 }).then((d) => d.updateBalance),
    ).toMatchObject({ __typename: 'BalanceUpdated' });
    expect(await transfer(t.client, userId, payee, 30)).toMatchObject({ __typename: 'TransferCompleted' });
    const placed = await hold(t.client, userId, 50);
    if (placed.__typename !== 'HoldPlaced') throw new Error(placed.__typename);
    expect(
      await t.client.graphql
        .request(CaptureHoldDocument, { holdId: placed.hold.id, amount: 21 })
        .then((d) => d.captureHold),
    ).toMatchObject({ __typename: 'LimitExceeded', limit: 'DAILY_DEBIT', limitAmount: 100, used: 80, requested: 21 });
    expect(
      await t.client.graphql
        .request(CaptureHoldDocument, { holdId: placed.hold.id, amount: 20 })
        .then((d) => d.captureHold),
    ).toMatchObject({ __typename: 'HoldCaptured' });
    expect(await deposit(t.client, userId, 500)).toMatchObject({ __typename: 'BalanceUpdated' });
    expect(await withdraw(t.client, userId, 1)).toMatchObject({
      __typename: 'LimitExceeded',
      limit: 'DAILY_DEBIT',
      used: 100,
      requested: 1,
    });
    expect((await userOf(t.client, userId)).limits).toEqual({
      minBalance: 0,
      maxBalance: null,
      dailyDebitLimit: 100,
      debitedToday: 100,
    });
    await setLimits(t.client, userId, { dailyDebitLimit: 50 });
    expect(await withdraw(t.client, userId, 1)).toMatchObject({ __typename: 'LimitExceeded', limitAmount: 50 });
    await setLimits(t.client, userId, { dailyDebitLimit: null });
    expect(await withdraw(t.client, userId, 1)).toMatchObject({ __typename: 'BalanceUpdated' });
  });

  it('holds in a batch: an atomic batch passing a limit is refused whole at that item', async () => {
    const userId = await insertUser(t.orm, 1000);
    await setLimits(t.client, userId, { dailyDebitLimit: 10 });
    const before = await row(userId);
    const answer = await t.client.graphql
      .request(BatchDocument, {
        atomic: true,
        operations: [{ withdraw: { userId, amount: 6 } }, { withdraw: { userId, amount: 5 } }],
      })
      .then((d) => d.batch);
    expect(answer).toMatchObject({
      __typename: 'BatchRefused',
      index: 1,
      results: [{ __typename: 'NotApplied' }, { __typename: 'LimitExceeded', used: 6, requested: 5 }],
    });
    expect(await row(userId)).toEqual(before);
  });
});

describe('limits at the edges of the largest balance', () => {
  it('available and debitedToday stay within ±(2^53-1) however far a credit line or the day goes', async () => {
    const MAX = Number.MAX_SAFE_INTEGER;
    const [a, b, c, d] = [
      await insertUser(t.orm, 0),
      await insertUser(t.orm, 0),
      await insertUser(t.orm, 0),
      await insertUser(t.orm, 0),
    ];
    await t.client.graphql.request(SetBalanceDocument, { userId: a, balance: MAX });
    for (const [from, to] of [
      [a, b],
      [b, a],
      [a, b],
    ] as const) {
      expect(await transfer(t.client, from, to, MAX)).toMatchObject({ __typename: 'TransferCompleted' });
    }
    // Debited 2 x (2^53-1) today: shown (and kept) as the largest balance, past any limit.
    expect((await userOf(t.client, a)).limits.debitedToday).toBe(MAX);
    await setLimits(t.client, b, { minBalance: -MAX });
    expect(await userOf(t.client, b)).toMatchObject({ balance: MAX, available: MAX });
    await setLimits(t.client, c, { minBalance: -MAX });
    expect(await transfer(t.client, c, d, MAX)).toMatchObject({ __typename: 'TransferCompleted' });
    await setLimits(t.client, c, { minBalance: MAX });
    expect(await userOf(t.client, c)).toMatchObject({ balance: -MAX, available: -MAX });
    expect(await withdraw(t.client, c, 1)).toMatchObject({ __typename: 'InsufficientFunds', available: -MAX });
  });
});

describe('setAccountStatus', () => {
  it('FROZEN: new debits and holds are AccountFrozen; credits, captures and voids apply; ACTIVE again spends', async () => {
    const [userId, other] = [await insertUser(t.orm, 100), await insertUser(t.orm, 100)];
    const held = await hold(t.client, userId, 30);
    const kept = await hold(t.client, userId, 10);
    if (held.__typename !== 'HoldPlaced' || kept.__typename !== 'HoldPlaced') throw new Error('no hold');
    expect(await setStatus(t.client, userId, 'FROZEN', 'fraud review')).toMatchObject({
      __typename: 'AccountStatusSet',
      user: { id: userId, status: 'FROZEN' },
    });
    const frozen = { __typename: 'AccountFrozen', userId };
    expect(await withdraw(t.client, userId, 1)).toMatchObject(frozen);
    expect(await transfer(t.client, userId, other, 1)).toMatchObject(frozen);
    expect(await hold(t.client, userId, 1)).toMatchObject(frozen);
    expect(await deposit(t.client, userId, 5)).toMatchObject({ __typename: 'BalanceUpdated', balance: 105 });
    expect(await transfer(t.client, other, userId, 5)).toMatchObject({ __typename: 'TransferCompleted' });
    expect(
      await t.client.graphql.request(CaptureHoldDocument, { holdId: held.hold.id }).then((d) => d.captureHold),
    ).toMatchObject({ __typename: 'HoldCaptured', amount: 30 });
    expect(
      await t.client.graphql.request(VoidHoldDocument, { holdId: kept.hold.id }).then((d) => d.voidHold),
    ).toMatchObject({ __typename: 'HoldVoided' });
    await setStatus(t.client, userId, 'ACTIVE');
    expect(await withdraw(t.client, userId, 1)).toMatchObject({ __typename: 'BalanceUpdated', balance: 79 });
    const { user } = await t.client.graphql.request(RuleChangesDocument, { userId });
    expect(user!.ruleChanges!.map((c) => [c.status, c.reason])).toEqual([
      ['ACTIVE', null],
      ['FROZEN', 'fraud review'],
    ]);
  });

  it('CLOSED needs nothing left (AccountNotEmpty), and then nothing changes, not even by a payer or staff', async () => {
    const [userId, payer] = [await insertUser(t.orm, 40), await insertUser(t.orm, 100)];
    const placed = await hold(t.client, userId, 40);
    if (placed.__typename !== 'HoldPlaced') throw new Error(placed.__typename);
    const before = await row(userId);
    expect(await setStatus(t.client, userId, 'CLOSED')).toMatchObject({
      __typename: 'AccountNotEmpty',
      balance: 40,
      held: 40,
    });
    await t.client.graphql.request(VoidHoldDocument, { holdId: placed.hold.id });
    expect(await setStatus(t.client, userId, 'CLOSED')).toMatchObject({ __typename: 'AccountNotEmpty', held: 0 });
    expect(await withdraw(t.client, userId, 40)).toMatchObject({ __typename: 'BalanceUpdated', balance: 0 });
    expect(await setStatus(t.client, userId, 'CLOSED', 'customer left')).toMatchObject({
      __typename: 'AccountStatusSet',
      user: { status: 'CLOSED', balance: 0 },
    });
    const closedAt = await row(userId);
    expect(closedAt.version).toBe(before.version + 3);
    const closed = { __typename: 'AccountClosed', userId };
    expect(await deposit(t.client, userId, 1)).toMatchObject(closed);
    expect(await transfer(t.client, payer, userId, 1)).toMatchObject(closed);
    expect(await setLimits(t.client, userId, { minBalance: -10 })).toMatchObject(closed);
    expect(await setStatus(t.client, userId, 'ACTIVE')).toMatchObject(closed);
    expect(await row(userId)).toEqual(closedAt);
    await expect(query(t.orm, 'update users set balance = 1 where id = ?', [Number(userId)])).rejects.toThrow(/closed/);
  });
});

describe('account rules over three server processes', () => {
  let cluster: ServerCluster;
  let clients: BalanceClient[];
  beforeAll(async () => {
    cluster = await startServers(3, { AUTH_MODE: 'off' });
    clients = cluster.urls.map((url) => createBalanceClient(url, { connections: 64 }));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cluster.close();
  });
  const balanceOf = async (userId: string) => {
    const [found] = await query<{ balance: string; debited_today: string }>(
      cluster.orm,
      'select balance, debited_today from users where id = ?',
      [Number(userId)],
    );
    return { balance: Number(found!.balance), debitedToday: Number(found!.debited_today) };
  };

  it('a daily limit of 3,000: of 10,000 withdrawals of 2 from 10,000 at once, exactly 1,500 succeed', async () => {
    const userId = await insertUser(cluster.orm, 10_000);
    await setLimits(clients[0]!, userId, { dailyDebitLimit: 3000 });
    // Each process has the account in memory before the burst (its decisions come from memory first).
    await Promise.all(clients.map((client) => deposit(client, userId, 1)));
    const answers = await Promise.all(
      Array.from({ length: 10_000 }, (_, i) => withdraw(clients[i % 3]!, userId, 2).then((a) => a.__typename)),
    );
    expect(counts(answers)).toEqual({ BalanceUpdated: 1500, LimitExceeded: 8500 });
    expect(await balanceOf(userId)).toEqual({ balance: 7003, debitedToday: 3000 });
    expect(await ledgerViolations(cluster.orm)).toEqual([]);
  }, 120_000);

  it('a credit line of 500: of 1,000 withdrawals of 1 from 0 at once, exactly 500 succeed, ending at -500', async () => {
    const userId = await insertUser(cluster.orm, 0);
    await setLimits(clients[1]!, userId, { minBalance: -500 });
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => withdraw(clients[i % 3]!, userId, 1).then((a) => a.__typename)),
    );
    expect(counts(answers)).toEqual({ BalanceUpdated: 500, InsufficientFunds: 500 });
    expect((await balanceOf(userId)).balance).toBe(-500);
    expect(await ledgerViolations(cluster.orm)).toEqual([]);
  }, 120_000);

  it('a freeze racing 1,000 withdrawals: every success committed before the freeze, every later request refused', async () => {
    const userId = await insertUser(cluster.orm, 10_000);
    await Promise.all(clients.map((client) => deposit(client, userId, 1)));
    let answered = 0;
    let startFreeze!: () => void;
    const halfway = new Promise<void>((resolve) => (startFreeze = resolve));
    const burst = Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        withdraw(clients[i % 3]!, userId, 1).then((answer) => {
          if (++answered === 300) startFreeze();
          return answer;
        }),
      ),
    );
    await halfway;
    const freeze = await setStatus(clients[2]!, userId, 'FROZEN', 'race');
    expect(freeze).toMatchObject({ __typename: 'AccountStatusSet' });
    // Once the freeze is answered, no withdrawal from any process goes through.
    const after = await Promise.all(
      Array.from({ length: 90 }, (_, i) => withdraw(clients[i % 3]!, userId, 1).then((a) => a.__typename)),
    );
    expect(counts(after)).toEqual({ AccountFrozen: 90 });
    const answers = await burst;
    const succeeded = answers.flatMap((a) => (a.__typename === 'BalanceUpdated' ? [a.entryId] : []));
    expect(
      answers.filter((a) => a.__typename !== 'BalanceUpdated').every((a) => a.__typename === 'AccountFrozen'),
    ).toBe(true);
    expect(succeeded.length).toBeGreaterThanOrEqual(300);
    if (freeze.__typename !== 'AccountStatusSet') throw new Error(freeze.__typename);
    // Every answered success is a withdrawal entry before the freeze's entry; none comes after it.
    const entries = await query<{ id: string; kind: string }>(
      cluster.orm,
      `select id, kind from ledger_entries where user_id = ? and kind = 'WITHDRAWAL' order by id`,
      [Number(userId)],
    );
    expect(entries.map((e) => String(e.id)).sort()).toEqual([...succeeded].sort());
    expect(entries.every((e) => BigInt(e.id) < BigInt(freeze.entryId))).toBe(true);
    expect((await balanceOf(userId)).balance).toBe(10_003 - succeeded.length);
    expect(await ledgerViolations(cluster.orm)).toEqual([]);
  }, 120_000);
});
