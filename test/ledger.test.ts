import { ClientError } from 'graphql-request';
import { describe, expect, it } from 'vitest';
import { LedgerEntryDocument, UpdateBalanceDocument, UserLedgerDocument } from '../client/index.js';
import { insertUser, query, useTestApp } from './helpers.js';

const t = useTestApp();

const ledgerPage = (id: string, first?: number, after?: string | null) =>
  t.client.graphql.request(UserLedgerDocument, { id, first, after }).then((data) => data.user?.ledger);

describe('ledger history', () => {
  it('lists a user’s entries newest first, page by page, with consistent balances', async () => {
    const userId = await insertUser(t.orm, 100);
    for (const amount of [-10, 5, -20, 7]) {
      await t.client.graphql.request(UpdateBalanceDocument, { userId, amount });
    }

    const seen: { amount: number; balanceAfter: number; kind: string }[] = [];
    let after: string | null | undefined;
    let pages = 0;
    for (;;) {
      const page = await ledgerPage(userId, 2, after);
      expect(page?.totalCount).toBe(5);
      seen.push(...page!.edges.map((edge) => edge.node));
      pages++;
      if (!page!.pageInfo.hasNextPage) break;
      after = page!.pageInfo.endCursor;
    }
    expect(pages).toBe(3);
    expect(seen.map(({ amount, balanceAfter, kind }) => [kind, amount, balanceAfter])).toEqual([
      ['UPDATE', 7, 82],
      ['UPDATE', -20, 75],
      ['UPDATE', 5, 95],
      ['UPDATE', -10, 90],
      ['INITIAL', 100, 100],
    ]);
  });

  it('finds one entry by id, and null for unknown or malformed ids', async () => {
    const userId = await insertUser(t.orm, 3);
    const { updateBalance } = await t.client.graphql.request(UpdateBalanceDocument, { userId, amount: -1 });
    if (updateBalance.__typename !== 'BalanceUpdated') throw new Error(`unexpected ${updateBalance.__typename}`);
    const { ledgerEntry } = await t.client.graphql.request(LedgerEntryDocument, { id: updateBalance.entryId });
    expect(ledgerEntry).toMatchObject({
      id: updateBalance.entryId,
      amount: -1,
      balanceAfter: 2,
      kind: 'UPDATE',
      reason: null,
    });
    for (const id of ['999999999', 'abc', '-1']) {
      expect((await t.client.graphql.request(LedgerEntryDocument, { id })).ledgerEntry).toBeNull();
    }
  });

  it('caps the page size at 100 and refuses a negative one or a foreign cursor', async () => {
    const userId = await insertUser(t.orm, 1);
    await query(
      t.orm,
      `insert into ledger_entries (user_id, amount, balance_after, kind)
       select ?, 1, 1 + g, 'UPDATE' from generate_series(1, 150) g`,
      [Number(userId)],
    );
    // The balance follows its ledger, as the invariants checked after this file require.
    await query(t.orm, 'update users set balance = 151 where id = ?', [Number(userId)]);
    expect((await ledgerPage(userId, 1000))?.edges).toHaveLength(100);
    expect((await ledgerPage(userId))?.edges).toHaveLength(20);
    await expect(ledgerPage(userId, -1)).rejects.toThrow(ClientError);
    await expect(ledgerPage(userId, 5, 'not-a-cursor')).rejects.toThrow('`after` is not a cursor of this list');
  });

  it('refuses to change or remove entries, at the database', async () => {
    await expect(query(t.orm, 'update ledger_entries set amount = 1')).rejects.toThrow(/immutable/);
    await expect(query(t.orm, 'delete from ledger_entries')).rejects.toThrow(/immutable/);
  });
});
