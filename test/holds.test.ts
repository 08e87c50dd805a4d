import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CaptureHoldDocument,
  createBalanceClient,
  errorCodeOf,
  HoldByIdDocument,
  HoldDocument,
  SetBalanceDocument,
  TransferDocument,
  UserHoldsDocument,
  VoidHoldDocument,
  WithdrawDocument,
  type BalanceClient,
  type CaptureHoldMutation,
  type HoldMutation,
  type HoldMutationVariables,
  type VoidHoldMutation,
} from '../client/index.js';
import { insertUser, JWT_ENV, ledgerViolations, query, signToken, useTestApp } from './helpers.js';
import { startServers } from './server-process.js';

type HoldAnswer = HoldMutation['hold'];
type CaptureAnswer = CaptureHoldMutation['captureHold'];
type VoidAnswer = VoidHoldMutation['voidHold'];

const t = useTestApp(JWT_ENV);
let staff: BalanceClient;
const clients: BalanceClient[] = [];

beforeAll(async () => {
  staff = createBalanceClient(t.url, { token: await signToken({ role: 'service', sub: 'metering' }) });
  clients.push(staff);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

const hold = (variables: Partial<HoldMutationVariables> & { userId: string; amount: number }, client = staff) =>
  client.graphql.request(HoldDocument, { expiresIn: 3600, ...variables }).then((data): HoldAnswer => data.hold);
const capture = (holdId: string, amount?: number, idempotencyKey?: string, client = staff) =>
  client.graphql
    .request(CaptureHoldDocument, { holdId, amount, idempotencyKey })
    .then((data): CaptureAnswer => data.captureHold);
const release = (holdId: string, idempotencyKey?: string, client = staff) =>
  client.graphql.request(VoidHoldDocument, { holdId, idempotencyKey }).then((data): VoidAnswer => data.voidHold);

/** Places a hold that must succeed; its id. */
async function placed(
  userId: string,
  amount: number,
  extra: Omit<Partial<HoldMutationVariables>, 'userId' | 'amount'> = {},
): Promise<string> {
  const answer = await hold({ userId, amount, ...extra });
  if (answer.__typename !== 'HoldPlaced') throw new Error(`expected HoldPlaced, got ${answer.__typename}`);
  return answer.hold.id;
}

async function userRow(id: string) {
  const [row] = await query<{ balance: string; held: string; version: number }>(
    t.orm,
    'select balance, held, version from users where id = ?',
    [Number(id)],
  );
  return { balance: Number(row!.balance), held: Number(row!.held), version: row!.version };
}

async function entriesOfHold(holdId: string) {
  return query<{ kind: string; amount: number; held_after: number; idempotency_key: string | null }>(
    t.orm,
    `select kind, amount::int, held_after::int, idempotency_key from ledger_entries where hold_id = ? order by id`,
    [Number(holdId)],
  );
}

/** Makes an open hold past its expiry, as time would (tests do not sleep). */
async function expireNow(holdId: string): Promise<void> {
  await query(t.orm, `update holds set expires_at = now() - interval '1 second' where id = ?`, [Number(holdId)]);
}

describe('hold', () => {
  it('reserves available credits: the balance stays, held grows, and a HOLD entry (amount 0) records it', async () => {
    const user = await insertUser(t.orm, 100);
    const answer = await hold({ userId: user, amount: 60, reason: 'job 7', idempotencyKey: 'h-1' });
    if (answer.__typename !== 'HoldPlaced') throw new Error(answer.__typename);
    expect(answer.user).toMatchObject({ id: user, balance: 100, held: 60, available: 40, version: 2 });
    expect(answer.hold).toMatchObject({
      userId: user,
      amount: 60,
      status: 'OPEN',
      captured: null,
      reason: 'job 7',
      idempotencyKey: 'h-1',
      endedAt: null,
    });
    const lasts = new Date(answer.hold.expiresAt).getTime() - new Date(answer.hold.createdAt).getTime();
    expect(lasts).toBe(3_600_000);
    expect(await entriesOfHold(answer.hold.id)).toEqual([
      { kind: 'HOLD', amount: 0, held_after: 60, idempotency_key: 'h-1' },
    ]);
    expect(await userRow(user)).toEqual({ balance: 100, held: 60, version: 2 });
  });

  it('checks withdrawals and further holds against what is available, not the balance', async () => {
    const user = await insertUser(t.orm, 100);
    await placed(user, 70);
    const withdrawal = await staff.graphql.request(WithdrawDocument, { userId: user, amount: 31 });
    expect(withdrawal.withdraw).toMatchObject({
      __typename: 'InsufficientFunds',
      balance: 100,
      available: 30,
      requested: 31,
    });
    expect(await hold({ userId: user, amount: 31 })).toMatchObject({ __typename: 'InsufficientFunds', available: 30 });
    expect((await staff.graphql.request(WithdrawDocument, { userId: user, amount: 30 })).withdraw).toMatchObject({
      __typename: 'BalanceUpdated',
      balance: 70,
    });
    expect(await userRow(user)).toMatchObject({ balance: 70, held: 70 });
  });

  it('refuses bad arguments with typed results', async () => {
    const user = await insertUser(t.orm, 100);
    expect(await hold({ userId: user, amount: 0 })).toMatchObject({ __typename: 'InvalidAmount' });
    expect(await hold({ userId: user, amount: 5, expiresIn: 0 })).toMatchObject({
      __typename: 'InvalidInput',
      field: 'expiresIn',
    });
    expect(await hold({ userId: user, amount: 5, payeeId: user })).toMatchObject({
      __typename: 'InvalidInput',
      field: 'payeeId',
    });
    expect(await hold({ userId: user, amount: 5, payeeId: '2147483000' })).toMatchObject({
      __typename: 'UserNotFound',
      side: 'PAYEE',
    });
    expect(await hold({ userId: '2147483000', amount: 5 })).toMatchObject({ __typename: 'UserNotFound' });
    expect(await capture('99999999', 1)).toMatchObject({ __typename: 'HoldNotFound', holdId: '99999999' });
    expect(await capture('abc')).toMatchObject({ __typename: 'HoldNotFound' });
    expect(await release('-1')).toMatchObject({ __typename: 'HoldNotFound' });
    const id = await placed(user, 10);
    expect(await capture(id, 11)).toMatchObject({ __typename: 'InvalidAmount', amount: 11 });
    expect(await capture(id, -1)).toMatchObject({ __typename: 'InvalidAmount' });
    expect(await userRow(user)).toMatchObject({ balance: 100, held: 10 });
  });

  it('a repeated idempotency key gets the same hold; other terms under it are IdempotencyKeyReused', async () => {
    const user = await insertUser(t.orm, 100);
    const first = await hold({ userId: user, amount: 20, idempotencyKey: 'once' });
    const again = await hold({ userId: user, amount: 20, idempotencyKey: 'once' });
    if (first.__typename !== 'HoldPlaced' || again.__typename !== 'HoldPlaced') throw new Error('not placed');
    expect(again.hold.id).toBe(first.hold.id);
    expect(again.entryId).toBe(first.entryId);
    expect(await hold({ userId: user, amount: 21, idempotencyKey: 'once' })).toMatchObject({
      __typename: 'IdempotencyKeyReused',
    });
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, () => hold({ userId: user, amount: 5, idempotencyKey: 'together' })),
    );
    const ids = new Set(concurrent.map((a) => (a.__typename === 'HoldPlaced' ? a.hold.id : a.__typename)));
    expect(ids.size).toBe(1);
    expect(await userRow(user)).toMatchObject({ balance: 100, held: 25 });
  });
});

describe('held credits of a payee', () => {
  it('a payee credited by a transfer is remembered with its held credits: its next change decided from memory is exact', async () => {
    const [payer, payee] = [await insertUser(t.orm, 100), await insertUser(t.orm, 10)];
    await placed(payee, 10);
    const sent = await staff.graphql.request(TransferDocument, { fromUserId: payer, toUserId: payee, amount: 5 });
    expect(sent.transfer.__typename).toBe('TransferCompleted');
    expect((await staff.graphql.request(SetBalanceDocument, { userId: payee, balance: 12 })).setBalance).toMatchObject({
      __typename: 'BalanceUpdated',
      balance: 12,
    });
    expect((await staff.graphql.request(WithdrawDocument, { userId: payee, amount: 6 })).withdraw).toMatchObject({
      __typename: 'InsufficientFunds',
      available: 2,
    });
    expect(await userRow(payee)).toMatchObject({ balance: 12, held: 10 });
  });
});

describe('captureHold', () => {
  it('takes part of a hold as a CAPTURE entry and releases the rest; the hold ends once', async () => {
    const user = await insertUser(t.orm, 100);
    const id = await placed(user, 50);
    const answer = await capture(id, 30);
    if (answer.__typename !== 'HoldCaptured') throw new Error(answer.__typename);
    expect(answer).toMatchObject({ amount: 30, payee: null, payeeEntryId: null });
    expect(answer.hold).toMatchObject({ status: 'CAPTURED', captured: 30, amount: 50 });
    expect(answer.hold.endedAt).not.toBeNull();
    expect(answer.user).toMatchObject({ balance: 70, held: 0, available: 70, version: 3 });
    expect(await entriesOfHold(id)).toEqual([
      { kind: 'HOLD', amount: 0, held_after: 50, idempotency_key: null },
      { kind: 'CAPTURE', amount: -30, held_after: 0, idempotency_key: null },
    ]);
    expect(await capture(id, 10)).toMatchObject({ __typename: 'HoldAlreadyCaptured', holdId: id, captured: 30 });
    expect(await release(id)).toMatchObject({ __typename: 'HoldAlreadyCaptured', captured: 30 });
    expect(await userRow(user)).toEqual({ balance: 70, held: 0, version: 3 });
  });

  it('takes all of the hold when no amount is given, and pays the payee of a hold made with one', async () => {
    const [payer, payee] = [await insertUser(t.orm, 100), await insertUser(t.orm, 1)];
    const id = await placed(payer, 40, { payeeId: payee });
    const answer = await capture(id);
    if (answer.__typename !== 'HoldCaptured') throw new Error(answer.__typename);
    expect(answer).toMatchObject({ amount: 40, payee: { id: payee, balance: 41, version: 2 } });
    expect(answer.user).toMatchObject({ balance: 60, held: 0 });
    const [credit] = await query<{ id: string; amount: number; kind: string; counterparty_id: number }>(
      t.orm,
      `select id::text, amount::int, kind, counterparty_id from ledger_entries where user_id = ? and kind = 'TRANSFER_IN'`,
      [Number(payee)],
    );
    expect(credit).toEqual({
      id: answer.payeeEntryId,
      amount: 40,
      kind: 'TRANSFER_IN',
      counterparty_id: Number(payer),
    });
  });

  it('a repeated capture under its idempotency key gets the first answer, not HoldAlreadyCaptured', async () => {
    const user = await insertUser(t.orm, 100);
    const id = await placed(user, 50);
    const first = await capture(id, 20, 'cap-1');
    const again = await capture(id, 20, 'cap-1');
    if (first.__typename !== 'HoldCaptured' || again.__typename !== 'HoldCaptured') throw new Error('not captured');
    expect(again.entryId).toBe(first.entryId);
    expect(await capture(id, 21, 'cap-1')).toMatchObject({ __typename: 'IdempotencyKeyReused' });
    expect(await userRow(user)).toMatchObject({ balance: 80, held: 0 });
  });
});

describe('voidHold', () => {
  it('releases all of it with a VOID entry; a second void or a capture finds it voided', async () => {
    const user = await insertUser(t.orm, 100);
    const id = await placed(user, 25);
    const answer = await release(id, 'void-1');
    if (answer.__typename !== 'HoldVoided') throw new Error(answer.__typename);
    expect(answer.hold).toMatchObject({ status: 'VOIDED', captured: null });
    expect(answer.user).toMatchObject({ balance: 100, held: 0, available: 100, version: 3 });
    expect(await release(id, 'void-1')).toMatchObject({ __typename: 'HoldVoided', entryId: answer.entryId });
    expect(await release(id)).toMatchObject({ __typename: 'HoldAlreadyVoided', holdId: id });
    expect(await capture(id)).toMatchObject({ __typename: 'HoldAlreadyVoided' });
    expect((await entriesOfHold(id)).map((e) => e.kind)).toEqual(['HOLD', 'VOID']);
  });
});

describe('expiry', () => {
  it('lasts exactly expiresIn seconds by the database clock: a hold just made is open, captured, not expired', async () => {
    const user = await insertUser(t.orm, 100);
    for (const expiresIn of [1, 59, 61, 86_400]) {
      const answer = await hold({ userId: user, amount: 1, expiresIn });
      if (answer.__typename !== 'HoldPlaced') throw new Error(answer.__typename);
      const [row] = await query<{ seconds: number }>(
        t.orm,
        'select extract(epoch from expires_at - created_at)::float8 as seconds from holds where id = ?',
        [Number(answer.hold.id)],
      );
      expect({ expiresIn, seconds: row!.seconds }).toEqual({ expiresIn, seconds: expiresIn });
    }
    // Made and captured at once, well within its seconds: not expired (as a unit of milliseconds would be).
    expect(await capture(await placed(user, 3, { expiresIn: 5 }))).toMatchObject({
      __typename: 'HoldCaptured',
      amount: 3,
    });
  });

  it('a capture or void of an expired hold releases it (EXPIRY) and answers HoldExpired', async () => {
    const user = await insertUser(t.orm, 100);
    const [a, b] = [await placed(user, 10), await placed(user, 20)];
    await expireNow(a);
    await expireNow(b);
    expect(await capture(a, 5, 'late-capture')).toMatchObject({ __typename: 'HoldExpired', holdId: a });
    expect(await release(b)).toMatchObject({ __typename: 'HoldExpired', holdId: b });
    // The refusal is not recorded under the key, and the hold stays expired.
    expect(await capture(a, 5, 'late-capture')).toMatchObject({ __typename: 'HoldExpired' });
    expect(await entriesOfHold(a)).toEqual([
      { kind: 'HOLD', amount: 0, held_after: 10, idempotency_key: null },
      { kind: 'EXPIRY', amount: 0, held_after: 20, idempotency_key: null },
    ]);
    expect(await userRow(user)).toMatchObject({ balance: 100, held: 0 });
  });

  it('the sweeper releases expired holds and leaves the others', async () => {
    const user = await insertUser(t.orm, 100);
    const ids = [await placed(user, 10), await placed(user, 10), await placed(user, 10)];
    await expireNow(ids[0]!);
    await expireNow(ids[2]!);
    expect(await t.app.holdSweeper.sweep()).toBe(2);
    expect(await t.app.holdSweeper.sweep()).toBe(0);
    const statuses = await Promise.all(
      ids.map((id) => staff.graphql.request(HoldByIdDocument, { id }).then((data) => data.hold?.status)),
    );
    expect(statuses).toEqual(['EXPIRED', 'OPEN', 'EXPIRED']);
    expect(await userRow(user)).toMatchObject({ balance: 100, held: 10 });
  });
});

describe('races', () => {
  it('a capture and a void of the same hold, at once: exactly one ends it, the other is told how', async () => {
    const user = await insertUser(t.orm, 10_000);
    const ids = await Promise.all(Array.from({ length: 50 }, () => placed(user, 10)));
    const answers = await Promise.all(ids.flatMap((id) => [capture(id, 7), release(id), capture(id, 3)]));
    const names = answers.map((a) => a.__typename);
    const ended = names.filter((n) => n === 'HoldCaptured' || n === 'HoldVoided').length;
    expect(ended).toBe(50);
    expect(names.filter((n) => n === 'HoldAlreadyCaptured' || n === 'HoldAlreadyVoided').length).toBe(100);
    const captured = answers.reduce((sum, a) => sum + (a.__typename === 'HoldCaptured' ? a.amount : 0), 0);
    expect(await userRow(user)).toMatchObject({ balance: 10_000 - captured, held: 0 });
  });

  it('captures race the sweeper on expired holds: each hold is released exactly once', async () => {
    const user = await insertUser(t.orm, 10_000);
    const ids = await Promise.all(Array.from({ length: 40 }, () => placed(user, 10)));
    await Promise.all(ids.map(expireNow));
    const [answers, swept] = await Promise.all([
      Promise.all(ids.map((id) => capture(id, 10))),
      t.app.holdSweeper.sweep(),
    ]);
    expect(answers.every((a) => a.__typename === 'HoldExpired')).toBe(true);
    const endings = await query<{ count: string }>(
      t.orm,
      `select count(*) from ledger_entries where user_id = ? and kind = 'EXPIRY'`,
      [Number(user)],
    );
    expect(Number(endings[0]!.count)).toBe(40);
    expect(swept).toBeLessThanOrEqual(40);
    expect(await userRow(user)).toMatchObject({ balance: 10_000, held: 0 });
  });
});

describe('reads and roles', () => {
  it('User.holds pages newest first and filters by status; hold(id) reads one', async () => {
    const user = await insertUser(t.orm, 100);
    const ids = [await placed(user, 1), await placed(user, 2), await placed(user, 3)];
    await release(ids[1]!);
    const page = await staff.graphql.request(UserHoldsDocument, { id: user, first: 2 });
    expect(page.user!.holds!.edges.map((e) => e.node.id)).toEqual([ids[2], ids[1]]);
    expect(page.user!.holds!.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const open = await staff.graphql.request(UserHoldsDocument, { id: user, status: 'OPEN' });
    expect(open.user!.holds!.edges.map((e) => e.node.id)).toEqual([ids[2], ids[0]]);
    expect(open.user).toMatchObject({ balance: 100, held: 4, available: 96 });
    expect((await staff.graphql.request(HoldByIdDocument, { id: ids[0]! })).hold).toMatchObject({ amount: 1 });
    expect((await staff.graphql.request(HoldByIdDocument, { id: '99999999' })).hold).toBeNull();
  });

  it("a user may make and void holds on its own account only, and may not capture; others' holds read as none", async () => {
    const [own, other] = [await insertUser(t.orm, 100), await insertUser(t.orm, 100)];
    const user = createBalanceClient(t.url, { token: await signToken({ role: 'user', sub: own }) });
    clients.push(user);
    const id = (await hold({ userId: own, amount: 10 }, user)) as Extract<HoldAnswer, { __typename: 'HoldPlaced' }>;
    expect(id.__typename).toBe('HoldPlaced');
    const forbidden = (work: Promise<unknown>) => work.then(() => 'allowed', errorCodeOf);
    expect(await forbidden(capture(id.hold.id, 1, undefined, user))).toBe('FORBIDDEN');
    expect(await forbidden(hold({ userId: other, amount: 1 }, user))).toBe('FORBIDDEN');
    // Another user's hold is, to a user, no hold at all: as a hold id that does not exist.
    const others = await placed(other, 5);
    expect(await release(others, undefined, user)).toMatchObject({ __typename: 'HoldNotFound', holdId: others });
    expect(await release('99999999', undefined, user)).toMatchObject({ __typename: 'HoldNotFound' });
    expect((await user.graphql.request(HoldByIdDocument, { id: others })).hold).toBeNull();
    expect(await release(id.hold.id, undefined, user)).toMatchObject({ __typename: 'HoldVoided' });
    expect(await userRow(other)).toMatchObject({ held: 5 });
  });
});

describe('races across processes', () => {
  it(
    'captures and voids of the same holds on two servers, and the sweeper on expired ones: one ending each',
    {
      timeout: 60_000,
    },
    async () => {
      // Server B sweeps every 10 ms, so its expiries race A's captures.
      const cluster = await startServers(2, (i) => ({
        AUTH_MODE: 'off',
        ...(i === 1 ? { HOLD_SWEEP_INTERVAL_MS: '10' } : {}),
      }));
      const { orm } = cluster;
      const [toA, toB] = cluster.urls.map((url) => createBalanceClient(url)) as [BalanceClient, BalanceClient];
      try {
        const user = await insertUser(orm, 10_000);
        const holdOn = (client: BalanceClient) =>
          hold({ userId: user, amount: 10 }, client).then((answer) => {
            if (answer.__typename !== 'HoldPlaced') throw new Error(answer.__typename);
            return answer.hold.id;
          });
        const ids = await Promise.all(Array.from({ length: 60 }, (_, i) => holdOn(i % 2 ? toA : toB)));
        const [contested, expiring] = [ids.slice(0, 40), ids.slice(40)];
        await query(orm, `update holds set expires_at = now() where id = any(?::bigint[])`, [
          `{${expiring.join(',')}}`,
        ]);
        const answers = await Promise.all([
          ...contested.flatMap((id) => [
            capture(id, 4, undefined, toA),
            release(id, undefined, toB),
            capture(id, 6, undefined, toB),
          ]),
          ...expiring.map((id) => capture(id, 10, undefined, toA)),
        ]);
        const names = answers.map((answer) => answer.__typename);
        const count = (name: string) => names.filter((n) => n === name).length;
        expect(count('HoldCaptured') + count('HoldVoided')).toBe(40);
        expect(count('HoldAlreadyCaptured') + count('HoldAlreadyVoided')).toBe(80);
        expect(count('HoldExpired')).toBe(20);
        const [endings] = await query<{ holds: string; ended: string }>(
          orm,
          `select count(distinct hold_id) as holds, count(*) as ended from ledger_entries
          where user_id = ? and kind in ('CAPTURE', 'VOID', 'EXPIRY')`,
          [Number(user)],
        );
        expect(endings).toEqual({ holds: '60', ended: '60' });
        const captured = answers.reduce(
          (sum, answer) => sum + (answer.__typename === 'HoldCaptured' ? answer.amount : 0),
          0,
        );
        const [row] = await query<{ balance: string; held: string }>(
          orm,
          'select balance, held from users where id = ?',
          [Number(user)],
        );
        expect(row).toEqual({ balance: String(10_000 - captured), held: '0' });
        expect(await ledgerViolations(orm)).toEqual([]);
      } finally {
        await Promise.all([toA.close(), toB.close()]);
        await cluster.close();
      }
    },
  );
});
