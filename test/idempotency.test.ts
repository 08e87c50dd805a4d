import { describe, expect, it } from 'vitest';
import { DepositDocument, SetBalanceDocument } from '../client/index.js';
import { balanceMutations } from './balance-mutations.js';
import { insertUser, ledgerViolations, query, useTestApp } from './helpers.js';

const t = useTestApp();

const update = (userId: string, amount: number, idempotencyKey?: string) =>
  balanceMutations(t.client).update(userId, amount, idempotencyKey);
const withdraw = (userId: string, amount: number, idempotencyKey?: string) =>
  balanceMutations(t.client).withdraw(userId, amount, idempotencyKey);

async function entriesWithKey(userId: string, key: string): Promise<number> {
  const [row] = await query<{ n: string }>(
    t.orm,
    'select count(*) as n from ledger_entries where user_id = ? and idempotency_key = ?',
    [Number(userId), key],
  );
  return Number(row!.n);
}

describe('idempotency keys', () => {
  it('apply once: a repeat gets the original answer (same entry, same balance after) and changes nothing', async () => {
    const userId = await insertUser(t.orm, 100);
    const first = await update(userId, -30, 'order-1');
    expect(first).toMatchObject({ __typename: 'BalanceUpdated', amount: -30, balance: 70 });
    await update(userId, 5); // the balance moves on
    const repeat = await update(userId, -30, 'order-1');
    expect(repeat).toMatchObject({ __typename: 'BalanceUpdated', amount: -30, balance: 70 });
    expect(repeat.__typename === 'BalanceUpdated' && first.__typename === 'BalanceUpdated' && repeat.entryId).toBe(
      first.__typename === 'BalanceUpdated' && first.entryId,
    );
    expect(await entriesWithKey(userId, 'order-1')).toBe(1);
    const [user] = await query<{ balance: string }>(t.orm, 'select balance from users where id = ?', [Number(userId)]);
    expect(user!.balance).toBe('75');
  });

  it('answer IdempotencyKeyReused for the same key with other parameters, per user', async () => {
    const userId = await insertUser(t.orm, 100);
    await update(userId, -10, 'k');
    expect(await update(userId, -11, 'k')).toMatchObject({
      __typename: 'IdempotencyKeyReused',
      code: 'IDEMPOTENCY_KEY_REUSED',
      idempotencyKey: 'k',
    });
    expect(await withdraw(userId, 10, 'k')).toMatchObject({ __typename: 'IdempotencyKeyReused' }); // another kind
    const other = await insertUser(t.orm, 100);
    expect(await update(other, -11, 'k')).toMatchObject({ __typename: 'BalanceUpdated', balance: 89 });
  });

  it('record refusals too: a retry with the same key gets the same refusal, even once it would go through', async () => {
    const userId = await insertUser(t.orm, 5);
    const refused = await withdraw(userId, 10, 'retry-me');
    expect(refused).toMatchObject({ __typename: 'InsufficientFunds', balance: 5, requested: 10 });
    await t.client.graphql.request(DepositDocument, { userId, amount: 10 });
    // As first answered (the balance it states is the one it was decided on), and nothing written.
    expect(await withdraw(userId, 10, 'retry-me')).toEqual(refused);
    expect(await withdraw(userId, 11, 'retry-me')).toMatchObject({ __typename: 'IdempotencyKeyReused' });
    expect(await entriesWithKey(userId, 'retry-me')).toBe(0);
    // A new key is a new request.
    expect(await withdraw(userId, 10, 'retry-me-2')).toMatchObject({ __typename: 'BalanceUpdated', balance: 5 });
    // Ten at once under a key that will be refused: one refusal recorded, ten identical answers.
    const answers = await Promise.all(Array.from({ length: 10 }, () => withdraw(userId, 6, 'burst-refused')));
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(answers[0]).toMatchObject({ __typename: 'InsufficientFunds' });
    const [row] = await query<{ n: string }>(
      t.orm,
      'select count(*) as n from refused_requests where user_id = ? and idempotency_key = ?',
      [Number(userId), 'burst-refused'],
    );
    expect(row!.n).toBe('1');
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('hold under concurrency: 100 concurrent requests with one key give one entry and 100 identical answers', async () => {
    const userId = await insertUser(t.orm, 1000);
    const results = await Promise.all(Array.from({ length: 100 }, () => update(userId, -7, 'burst-key')));
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(results[0]).toMatchObject({ __typename: 'BalanceUpdated', balance: 993 });
    expect(await entriesWithKey(userId, 'burst-key')).toBe(1);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('work for absolute operations, compared by their target', async () => {
    const userId = await insertUser(t.orm, 40);
    const set = (balance: number) =>
      t.client.graphql
        .request(SetBalanceDocument, { userId, balance, reason: 'sync', idempotencyKey: 'sync-1' })
        .then((d) => d.setBalance);
    const first = await set(10);
    await update(userId, 3);
    const repeat = await set(10); // the same answer, though the balance is now 13
    expect(repeat).toMatchObject({ __typename: 'BalanceUpdated', amount: -30, balance: 10, user: { balance: 13 } });
    expect(repeat.__typename === 'BalanceUpdated' && repeat.entryId).toBe(
      first.__typename === 'BalanceUpdated' && first.entryId,
    );
    expect(await set(11)).toMatchObject({ __typename: 'IdempotencyKeyReused' });
  });

  it('refuse keys that are empty or longer than 255 characters', async () => {
    const userId = await insertUser(t.orm, 1);
    for (const key of ['', 'x'.repeat(256)]) {
      expect(await update(userId, 1, key)).toMatchObject({ __typename: 'InvalidInput', field: 'idempotencyKey' });
    }
  });
});
