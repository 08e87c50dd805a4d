import { describe, expect, it } from 'vitest';
import { LedgerEntryDocument, UserDocument } from '../client/index.js';
import { balanceMutations, type BalanceResult as Result } from './balance-mutations.js';
import { insertUser, ledgerViolations, useTestApp } from './helpers.js';

const t = useTestApp();

const deposit = (userId: string, amount: number) => balanceMutations(t.client).deposit(userId, amount);
const withdraw = (userId: string, amount: number) => balanceMutations(t.client).withdraw(userId, amount);
const reset = (userId: string) => balanceMutations(t.client).reset(userId);
const set = (userId: string, balance: number, reason?: string) =>
  balanceMutations(t.client).set(userId, balance, reason);

async function entryOf(result: Result) {
  if (result.__typename !== 'BalanceUpdated') throw new Error(`expected BalanceUpdated, got ${result.__typename}`);
  return (await t.client.graphql.request(LedgerEntryDocument, { id: result.entryId })).ledgerEntry;
}

describe('deposit and withdraw', () => {
  it('apply positive amounts in their direction, each with its own ledger kind', async () => {
    const userId = await insertUser(t.orm, 10);
    const deposited = await deposit(userId, 5);
    expect(deposited).toMatchObject({ __typename: 'BalanceUpdated', amount: 5, balance: 15 });
    expect(await entryOf(deposited)).toMatchObject({ amount: 5, balanceAfter: 15, kind: 'DEPOSIT' });
    const withdrawn = await withdraw(userId, 15);
    expect(withdrawn).toMatchObject({ __typename: 'BalanceUpdated', amount: -15, balance: 0 });
    expect(await entryOf(withdrawn)).toMatchObject({ amount: -15, balanceAfter: 0, kind: 'WITHDRAWAL' });
    expect(await withdraw(userId, 1)).toMatchObject({ __typename: 'InsufficientFunds', balance: 0, requested: 1 });
  });

  it('refuse zero or negative amounts with InvalidAmount, and unknown users with UserNotFound', async () => {
    const userId = await insertUser(t.orm, 10);
    for (const amount of [0, -5]) {
      expect(await deposit(userId, amount)).toMatchObject({ __typename: 'InvalidAmount', amount });
      expect(await withdraw(userId, amount)).toMatchObject({ __typename: 'InvalidAmount', amount });
    }
    expect(await deposit('999999', 3)).toMatchObject({ __typename: 'UserNotFound', userId: '999999' });
    expect(await withdraw('abc', 1)).toMatchObject({ __typename: 'UserNotFound', userId: 'abc' });
    expect(await withdraw('abc', 0)).toMatchObject({ __typename: 'UserNotFound', userId: 'abc' }); // a malformed id wins
    expect((await t.client.graphql.request(UserDocument, { id: userId })).user).toMatchObject({
      balance: 10,
      version: 1,
    });
  });
});

describe('resetBalance and setBalance', () => {
  it('reset writes the actual change (a reset of 120 writes -120), and 0 when already empty', async () => {
    const userId = await insertUser(t.orm, 120);
    const first = await reset(userId);
    expect(first).toMatchObject({ __typename: 'BalanceUpdated', amount: -120, balance: 0 });
    expect(await entryOf(first)).toMatchObject({ amount: -120, balanceAfter: 0, kind: 'RESET' });
    expect(await entryOf(await reset(userId))).toMatchObject({ amount: 0, balanceAfter: 0, kind: 'RESET' });
  });

  it('set moves to an absolute balance, keeps the reason, and allows balances past 2^31', async () => {
    const userId = await insertUser(t.orm, 70);
    const lowered = await set(userId, 20, 'reconciled with the payment provider');
    expect(lowered).toMatchObject({ __typename: 'BalanceUpdated', amount: -50, balance: 20 });
    expect(await entryOf(lowered)).toMatchObject({
      amount: -50,
      kind: 'SET',
      reason: 'reconciled with the payment provider',
    });
    const big = 2 ** 40;
    expect(await set(userId, big)).toMatchObject({ __typename: 'BalanceUpdated', amount: big - 20, balance: big });
  });

  it('refuses a negative balance and an overlong reason', async () => {
    const userId = await insertUser(t.orm, 1);
    expect(await set(userId, -1)).toMatchObject({ __typename: 'InvalidAmount', amount: -1 });
    expect(await set(userId, 5, 'x'.repeat(1001))).toMatchObject({
      __typename: 'InvalidInput',
      code: 'INVALID_INPUT',
      field: 'reason',
    });
    expect(await reset('0')).toMatchObject({ __typename: 'UserNotFound' });
  });

  it('mixed concurrent operations on one user stay consistent with the ledger', async () => {
    const userId = await insertUser(t.orm, 100);
    const ops: (() => Promise<Result>)[] = [];
    for (let i = 0; i < 300; i++) {
      if (i % 3 === 0) ops.push(() => withdraw(userId, 7));
      else if (i % 3 === 1) ops.push(() => deposit(userId, 2));
      else
        ops.push(() => (i % 50 === 2 ? reset(userId) : i % 50 === 5 ? set(userId, 40, 'sync') : withdraw(userId, 1)));
    }
    const results = await Promise.all(ops.map((op) => op()));
    for (const result of results) expect(['BalanceUpdated', 'InsufficientFunds']).toContain(result.__typename);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });
});

describe('found by the fuzz test', () => {
  it('answers the user with valid timestamps right after a write', async () => {
    const userId = await insertUser(t.orm, 10);
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation { deposit(userId: "${userId}", amount: 1) { ... on BalanceUpdated { user { createdAt updatedAt } } } }`,
      }),
    });
    const body = (await response.json()) as { data: { deposit: { user: { createdAt: string; updatedAt: string } } } };
    const { createdAt, updatedAt } = body.data.deposit.user;
    expect(createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(updatedAt)).toBeGreaterThanOrEqual(Date.parse(createdAt));
  });

  it('refuses text PostgreSQL cannot store (NUL) as InvalidInput, without failing the rest of the batch', async () => {
    const userId = await insertUser(t.orm, 10);
    const balances = balanceMutations(t.client);
    const [bad, good] = await Promise.all([
      balances.update(userId, -1, 'key\u0000'),
      balances.update(userId, -1, 'fine'),
    ]);
    expect(bad).toMatchObject({ __typename: 'InvalidInput', field: 'idempotencyKey' });
    expect(good).toMatchObject({ __typename: 'BalanceUpdated', balance: 9 });
    expect(await set(userId, 3, 'why\u0000')).toMatchObject({ __typename: 'InvalidInput', field: 'reason' });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });
});
