import { describe, expect, it } from 'vitest';
import {
  CreateUserDocument,
  UserDocument,
  UserLedgerDocument,
  UsersDocument,
  type CreateUserInput,
} from '../client/index.js';
import { ledgerViolations, query, useTestApp } from './helpers.js';

const t = useTestApp();

const create = (input: CreateUserInput) =>
  t.client.graphql.request(CreateUserDocument, { input }).then((data) => data.createUser);

describe('createUser', () => {
  it('creates a user whose opening balance is the first ledger entry', async () => {
    const result = await create({ username: 'alice', email: 'alice@example.com', name: 'Alice', initialBalance: 250 });
    expect(result).toMatchObject({
      __typename: 'UserCreated',
      user: { username: 'alice', email: 'alice@example.com', name: 'Alice', balance: 250 },
    });
    if (result.__typename !== 'UserCreated') throw new Error('unreachable');
    const { user } = await t.client.graphql.request(UserLedgerDocument, { id: result.user.id });
    expect(user?.ledger?.edges.map((edge) => [edge.node.kind, edge.node.amount])).toEqual([['INITIAL', 250]]);
    const empty = await create({ username: 'bob' });
    expect(empty).toMatchObject({ __typename: 'UserCreated', user: { balance: 0, email: null, name: null } });
  });

  it('refuses taken usernames and emails case-insensitively', async () => {
    await create({ username: 'carol', email: 'carol@example.com' });
    expect(await create({ username: 'CAROL' })).toMatchObject({ __typename: 'UsernameTaken', username: 'CAROL' });
    expect(await create({ username: 'carol2', email: 'Carol@Example.com' })).toMatchObject({
      __typename: 'EmailTaken',
      code: 'EMAIL_TAKEN',
    });
  });

  it('gives one UserCreated and one UsernameTaken to two concurrent creates of one name', async () => {
    const results = await Promise.all([create({ username: 'dave' }), create({ username: 'Dave' })]);
    expect(results.map((r) => r.__typename).sort()).toEqual(['UserCreated', 'UsernameTaken']);
  });

  it('refuses invalid input with InvalidInput naming the field', async () => {
    const cases: [CreateUserInput, string][] = [
      [{ username: 'ab' }, 'username'],
      [{ username: 'has space' }, 'username'],
      [{ username: 'x'.repeat(33) }, 'username'],
      [{ username: 'erin', email: 'not-an-email' }, 'email'],
      [{ username: 'erin', initialBalance: -1 }, 'initialBalance'],
      [{ username: 'erin', name: '' }, 'name'],
      [{ username: 'erin', name: 'nul\u0000byte' }, 'name'],
    ];
    for (const [input, field] of cases) {
      expect(await create(input)).toMatchObject({ __typename: 'InvalidInput', code: 'INVALID_INPUT', field });
    }
  });

  it('keeps the seeded user working, with a username', async () => {
    expect((await t.client.graphql.request(UserDocument, { id: '1' })).user).toMatchObject({
      id: '1',
      username: 'demo',
    });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });
});

describe('users', () => {
  it('walks 250+ users with first: 100: every user once, in id order', async () => {
    await query(t.orm, `insert into users (balance) select 0 from generate_series(1, 250)`);
    const ids: string[] = [];
    let after: string | null | undefined;
    let totalCount: number | undefined;
    for (;;) {
      const { users } = await t.client.graphql.request(UsersDocument, { first: 100, after });
      totalCount = users.totalCount;
      ids.push(...users.edges.map((edge) => edge.node.id));
      if (!users.pageInfo.hasNextPage) break;
      after = users.pageInfo.endCursor;
    }
    expect(totalCount).toBeGreaterThanOrEqual(250);
    expect(ids).toHaveLength(totalCount!);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => a - b));
    const [{ n }] = (await query<{ n: string }>(t.orm, 'select count(*) as n from users')) as [{ n: string }];
    expect(ids).toHaveLength(Number(n));
  });
});
