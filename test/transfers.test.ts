import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBalanceClient,
  errorCodeOf,
  TransferDocument,
  UserLedgerDocument,
  type BalanceClient,
  type TransferMutation,
  type TransferMutationVariables,
} from '../client/index.js';
import { insertUser, JWT_ENV, ledgerViolations, query, signToken, useTestApp } from './helpers.js';

type TransferAnswer = TransferMutation['transfer'];

const t = useTestApp(JWT_ENV);
let staff: BalanceClient;
const clients: BalanceClient[] = [];

beforeAll(async () => {
  staff = createBalanceClient(t.url, { token: await signToken({ role: 'service', sub: 'payments' }) });
  clients.push(staff);
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

const transfer = (variables: TransferMutationVariables, client = staff): Promise<TransferAnswer> =>
  client.graphql.request(TransferDocument, variables).then((data) => data.transfer);

async function balances(...ids: string[]): Promise<number[]> {
  const rows = await query<{ id: number; balance: string }>(
    t.orm,
    'select id, balance from users where id in (select jsonb_array_elements_text(?::jsonb)::integer)',
    [JSON.stringify(ids.map(Number))],
  );
  return ids.map((id) => Number(rows.find((row) => row.id === Number(id))!.balance));
}

describe('transfer', () => {
  it('moves credits in one transaction: two entries that name each other, both users answered as right after', async () => {
    const [alice, bob] = [await insertUser(t.orm, 100), await insertUser(t.orm, 5)];
    const answer = await transfer({ fromUserId: alice, toUserId: bob, amount: 30, reason: 'rent', withPayee: true });
    if (answer.__typename !== 'TransferCompleted') throw new Error(answer.__typename);
    expect(answer).toMatchObject({
      amount: 30,
      from: { id: alice, balance: 70, version: 2 },
      to: { id: bob, balance: 35, version: 2 },
    });
    expect(await balances(alice, bob)).toEqual([70, 35]);
    const entries = await query<Record<string, unknown>>(
      t.orm,
      `select id::text, user_id, amount::int, balance_after::int, kind, reason, counterparty_id, transfer_id::text
         from ledger_entries where transfer_id = ? order by id`,
      [answer.transferId],
    );
    expect(entries).toEqual([
      {
        id: answer.fromEntryId,
        user_id: Number(alice),
        amount: -30,
        balance_after: 70,
        kind: 'TRANSFER_OUT',
        reason: 'rent',
        counterparty_id: Number(bob),
        transfer_id: answer.transferId,
      },
      {
        id: answer.toEntryId,
        user_id: Number(bob),
        amount: 30,
        balance_after: 35,
        kind: 'TRANSFER_IN',
        reason: null,
        counterparty_id: Number(alice),
        transfer_id: answer.transferId,
      },
    ]);
    // User.ledger shows the transfer on both sides.
    for (const [id, kind, counterparty] of [
      [alice, 'TRANSFER_OUT', bob],
      [bob, 'TRANSFER_IN', alice],
    ] as const) {
      const { user } = await staff.graphql.request(UserLedgerDocument, { id, first: 1 });
      expect(user!.ledger!.edges[0]!.node).toMatchObject({
        kind,
        counterpartyId: counterparty,
        transferId: answer.transferId,
      });
    }
  });

  it('answers every business failure with its typed result and changes nothing', async () => {
    const [alice, bob] = [await insertUser(t.orm, 10), await insertUser(t.orm, 0)];
    const before = await query(t.orm, 'select count(*) from ledger_entries');
    const cases: [TransferMutationVariables, Record<string, unknown>][] = [
      [
        { fromUserId: alice, toUserId: bob, amount: 11 },
        { __typename: 'InsufficientFunds', balance: 10, requested: 11 },
      ],
      [
        { fromUserId: alice, toUserId: '999999', amount: 1 },
        { __typename: 'UserNotFound', userId: '999999', side: 'PAYEE' },
      ],
      [
        { fromUserId: '999999', toUserId: bob, amount: 1 },
        { __typename: 'UserNotFound', userId: '999999', side: 'PAYER' },
      ],
      [
        { fromUserId: 'nope', toUserId: bob, amount: 1 },
        { __typename: 'UserNotFound', side: 'PAYER' },
      ],
      [
        { fromUserId: alice, toUserId: 'nope', amount: 1 },
        { __typename: 'UserNotFound', side: 'PAYEE' },
      ],
      [
        { fromUserId: alice, toUserId: alice, amount: 1 },
        { __typename: 'SelfTransfer', userId: alice },
      ],
      [
        { fromUserId: alice, toUserId: bob, amount: 0 },
        { __typename: 'InvalidAmount', amount: 0 },
      ],
      [
        { fromUserId: alice, toUserId: bob, amount: -5 },
        { __typename: 'InvalidAmount', amount: -5 },
      ],
      [
        { fromUserId: alice, toUserId: bob, amount: 1, reason: '\ud800' },
        { __typename: 'InvalidInput', field: 'reason' },
      ],
      [
        { fromUserId: alice, toUserId: bob, amount: 1, idempotencyKey: '' },
        { __typename: 'InvalidInput', field: 'idempotencyKey' },
      ],
    ];
    for (const [variables, expected] of cases) expect(await transfer(variables)).toMatchObject(expected);
    expect(await query(t.orm, 'select count(*) from ledger_entries')).toEqual(before);
    expect(await balances(alice, bob)).toEqual([10, 0]);
  });

  it('an idempotency key applies it once: a repeat gets the first answer, other parameters IdempotencyKeyReused', async () => {
    const [alice, bob, carol] = [await insertUser(t.orm, 100), await insertUser(t.orm, 0), await insertUser(t.orm, 0)];
    const first = await transfer({ fromUserId: alice, toUserId: bob, amount: 10, idempotencyKey: 'order-1' });
    const repeats = await Promise.all(
      Array.from({ length: 5 }, () =>
        transfer({ fromUserId: alice, toUserId: bob, amount: 10, idempotencyKey: 'order-1' }),
      ),
    );
    for (const repeat of repeats) {
      expect(repeat).toMatchObject({
        __typename: 'TransferCompleted',
        transferId: (first as { transferId: string }).transferId,
        fromEntryId: (first as { fromEntryId: string }).fromEntryId,
        toEntryId: (first as { toEntryId: string }).toEntryId,
      });
    }
    expect(await transfer({ fromUserId: alice, toUserId: carol, amount: 10, idempotencyKey: 'order-1' })).toMatchObject(
      {
        __typename: 'IdempotencyKeyReused',
      },
    );
    expect(await balances(alice, bob, carol)).toEqual([90, 10, 0]);
  });

  it('opposite transfers between two users at once, mixed with their own changes: exact, no deadlock', async () => {
    const [alice, bob] = [await insertUser(t.orm, 1000), await insertUser(t.orm, 1000)];
    const answers = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        i % 4 === 0
          ? transfer({ fromUserId: alice, toUserId: bob, amount: 7 })
          : i % 4 === 1
            ? transfer({ fromUserId: bob, toUserId: alice, amount: 5 })
            : transfer({
                fromUserId: i % 2 ? alice : bob,
                toUserId: String(Number(alice) + Number(bob) - Number(i % 2 ? alice : bob)),
                amount: 3,
              }),
      ),
    );
    expect(answers.every((a) => a.__typename === 'TransferCompleted')).toBe(true);
    expect((await balances(alice, bob)).reduce((a, b) => a + b)).toBe(2000);
    expect(await balances(alice, bob)).toEqual([
      1000 - 100 * 7 + 100 * 5 - 100 * 3 + 100 * 3,
      1000 + 100 * 7 - 100 * 5 + 100 * 3 - 100 * 3,
    ]);
    // Lock order is the point: a deadlock retried is a failure here, not noise.
    expect(t.app.balances.stats()).toMatchObject({ concurrentUpdates: 0, deadlocks: 0 });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it("a transfer and the payee's own changes in flight at once: the credit is never lost", async () => {
    const [alice, bob] = [await insertUser(t.orm, 500), await insertUser(t.orm, 0)];
    const answers = await Promise.all([
      ...Array.from({ length: 100 }, () => transfer({ fromUserId: alice, toUserId: bob, amount: 5 })),
      ...Array.from({ length: 100 }, () =>
        staff.graphql.request(
          /* GraphQL */ `
            mutation ($id: ID!) {
              withdraw(userId: $id, amount: 1) {
                __typename
              }
            }
          `,
          { id: bob },
        ),
      ),
    ]);
    const withdrawn = answers
      .slice(100)
      .filter((a) => (a as { withdraw: { __typename: string } }).withdraw.__typename === 'BalanceUpdated').length;
    expect(await balances(alice, bob)).toEqual([0, 500 - withdrawn]);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('transfers both ways between two users in one round are decided in one order: no refusal misses a credit', async () => {
    const [alice, bob] = [await insertUser(t.orm, 10), await insertUser(t.orm, 10)];
    const balances = t.app.balances;
    // Submitted in one tick: both batches go into one round.
    const answers = await Promise.all([
      balances.transfer(alice, bob, 10),
      balances.transfer(alice, bob, 5),
      balances.transfer(bob, alice, 10),
      balances.transfer(bob, alice, 5),
    ]);
    const [a1, a2, b1, b2] = answers.map((a) => a.type);
    expect([a1, b1]).toEqual(['TransferCompleted', 'TransferCompleted']);
    // Alice's batch first: she has 10, so her 5 is refused; Bob then has 20 and both of his go through (or the
    // other way round). Never both refused: one of them came after the other's credit.
    expect([a2, b2].sort()).toEqual(['InsufficientFunds', 'TransferCompleted']);
    expect(
      (
        await query<{ s: string }>(t.orm, 'select sum(balance) as s from users where id in (?, ?)', [
          Number(alice),
          Number(bob),
        ])
      )[0]!.s,
    ).toBe('20');
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('a chain of transfers in one round: a payer paid earlier in the round is decided after that credit', async () => {
    // Ids ascending a < b < c; only a has money. In one tick: a pays b, b pays c, c pays a.
    const [a, b, c] = [await insertUser(t.orm, 10), await insertUser(t.orm, 0), await insertUser(t.orm, 0)];
    const service = t.app.balances;
    const answers = await Promise.all([
      service.transfer(a, b, 10),
      service.transfer(b, c, 10),
      service.transfer(c, a, 10),
    ]);
    // b's transfer comes after a's credit (b has nothing else). c's may come before b's credit: refused on its own.
    expect(answers.slice(0, 2).map((answer) => answer.type)).toEqual(['TransferCompleted', 'TransferCompleted']);
    const total = await balances(a, b, c);
    expect(total.reduce((x, y) => x + y)).toBe(10);
    expect(total[1]).toBe(0);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('role user: only from its own account', async () => {
    const [alice, bob] = [await insertUser(t.orm, 50), await insertUser(t.orm, 50)];
    const aliceClient = createBalanceClient(t.url, { token: await signToken({ role: 'user', sub: alice }) });
    clients.push(aliceClient);
    expect(await transfer({ fromUserId: alice, toUserId: bob, amount: 20 }, aliceClient)).toMatchObject({
      __typename: 'TransferCompleted',
    });
    const refused = await transfer({ fromUserId: bob, toUserId: alice, amount: 20 }, aliceClient).then(
      () => 'OK',
      (error: unknown) => errorCodeOf(error),
    );
    expect(refused).toBe('FORBIDDEN');
    expect(await balances(alice, bob)).toEqual([30, 70]);
  });
});
