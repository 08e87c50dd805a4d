import { describe, expect, it } from 'vitest';
import { UpdateBalanceDocument, UserDocument } from '../client/index.js';
import { insertUser, query, refuseConnections, startTestApp, useTestApp } from './helpers.js';

const t = useTestApp();

interface ErrorBody {
  errors: { message: string; extensions: { code: string } }[];
}

const update = (userId: string, amount: number) =>
  t.client.graphql.request(UpdateBalanceDocument, { userId, amount }).then((data) => data.updateBalance);

async function postRaw(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: await response.text() };
}

describe('updateBalance', () => {
  it('serves the seeded user (id 1, balance 10000)', async () => {
    const { user } = await t.client.graphql.request(UserDocument, { id: '1' });
    expect(user).toMatchObject({ id: '1', balance: 10000, version: 1 });
  });

  it('applies a change and answers with the committed state and its ledger entry', async () => {
    const userId = await insertUser(t.orm, 100);
    const result = await update(userId, -30);
    expect(result).toMatchObject({ __typename: 'BalanceUpdated', amount: -30, balance: 70 });
    if (result.__typename !== 'BalanceUpdated') throw new Error('unreachable');
    expect(result.user).toMatchObject({ id: userId, balance: 70, version: 2 });
    const [entry] = await query<{ user_id: number; amount: string; balance_after: string; kind: string }>(
      t.orm,
      'select user_id, amount, balance_after, kind from ledger_entries where id = ?',
      [result.entryId],
    );
    expect(entry).toEqual({ user_id: Number(userId), amount: '-30', balance_after: '70', kind: 'UPDATE' });
  });

  it('refuses a withdrawal beyond the balance with InsufficientFunds and changes nothing', async () => {
    const userId = await insertUser(t.orm, 5);
    const result = await update(userId, -6);
    expect(result).toMatchObject({
      __typename: 'InsufficientFunds',
      code: 'INSUFFICIENT_FUNDS',
      balance: 5,
      requested: 6,
    });
    const { user } = await t.client.graphql.request(UserDocument, { id: userId });
    expect(user).toMatchObject({ balance: 5, version: 1 });
  });

  it('answers UserNotFound for unknown and malformed ids', async () => {
    for (const userId of ['999999', 'abc', '-1', '0', '1.5', '99999999999999999999']) {
      expect(await update(userId, 1)).toMatchObject({ __typename: 'UserNotFound', code: 'USER_NOT_FOUND', userId });
    }
    for (const id of ['999999', 'abc', '-1']) {
      expect((await t.client.graphql.request(UserDocument, { id })).user).toBeNull();
    }
  });

  it('answers InvalidAmount for zero and for a change past the largest safe balance', async () => {
    const userId = await insertUser(t.orm, Number.MAX_SAFE_INTEGER - 10);
    expect(await update(userId, 0)).toMatchObject({ __typename: 'InvalidAmount', code: 'INVALID_AMOUNT', amount: 0 });
    expect(await update(userId, 11)).toMatchObject({ __typename: 'InvalidAmount', amount: 11 });
    expect(await update(userId, 10)).toMatchObject({ __typename: 'BalanceUpdated', balance: Number.MAX_SAFE_INTEGER });
  });

  it('answers ConcurrentUpdate when every attempt, even the row-locked one, loses its version check', async () => {
    const userId = await insertUser(t.orm, 50);
    // Fault injection in the database: updates of this user silently affect no row, as when another
    // process always wins the race. The service must give up with a typed answer, not InsufficientFunds.
    await query(
      t.orm,
      `create function skip_update() returns trigger language plpgsql as $$ begin return null; end $$;
       create trigger skip_update before update on users for each row when (old.id = ${Number(userId)})
       execute function skip_update();`,
    );
    try {
      const results = await Promise.all([update(userId, -1), update(userId, -1)]);
      for (const result of results) {
        expect(result).toMatchObject({
          __typename: 'ConcurrentUpdate',
          code: 'CONCURRENT_UPDATE',
          userId,
          attempts: 5,
        });
      }
    } finally {
      await query(t.orm, 'drop trigger skip_update on users; drop function skip_update();');
    }
    expect(t.app.balances.stats().concurrentUpdates).toBeGreaterThanOrEqual(2);
    expect(await update(userId, -1)).toMatchObject({ __typename: 'BalanceUpdated', balance: 49 });
  });

  it('decides a burst against one user in order, exactly', async () => {
    const userId = await insertUser(t.orm, 10);
    const results = await Promise.all(Array.from({ length: 50 }, () => update(userId, -1)));
    expect(results.filter((r) => r.__typename === 'BalanceUpdated')).toHaveLength(10);
    expect(results.filter((r) => r.__typename === 'InsufficientFunds')).toHaveLength(40);
  });
});

describe('bad requests', () => {
  it('rejects arguments of the wrong type with a GraphQL validation error, not a 500', async () => {
    const wrongType = await postRaw(
      JSON.stringify({ query: 'mutation { updateBalance(userId: "1", amount: "x") { __typename } }' }),
    );
    expect(wrongType.status).toBe(400);
    expect(JSON.parse(wrongType.body).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const tooLarge = await postRaw(
      JSON.stringify({
        query: 'mutation M($a: Int!) { updateBalance(userId: "1", amount: $a) { __typename } }',
        variables: { a: 2 ** 31 },
      }),
    );
    expect(tooLarge.status).toBe(400);
    expect(JSON.parse(tooLarge.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    expect((await postRaw('{"query": ')).status).toBe(400);
    const huge = JSON.stringify({ query: `{ user(id: "1") { id } } # ${'x'.repeat(200 * 1024)}` });
    expect((await postRaw(huge)).status).toBe(413);
  });

  it('stays up: health answers ok after all of the above', async () => {
    const health = await fetch(`${t.origin}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});

describe('HTTP surface', () => {
  it('answers CORS preflights and unknown paths', async () => {
    const preflight = await fetch(t.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    expect((await fetch(`${t.origin}/nope`)).status).toBe(404);
  });

  it('serves the Apollo Sandbox landing page to browsers outside production', async () => {
    const page = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });

  it('reports 503 on /health when the database does not answer', async () => {
    const broken = await startTestApp();
    try {
      await refuseConnections(broken.databaseUrl);
      const health = await fetch(`${broken.origin}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'unavailable' });
    } finally {
      await broken.client.close();
      await broken.app.close();
    }
  });

  it('restricts CORS to the configured origins', async () => {
    const strict = await startTestApp({ CORS_ORIGINS: 'https://app.example.com' });
    try {
      const allowed = await fetch(`${strict.origin}/health`, { headers: { origin: 'https://app.example.com' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      const other = await fetch(`${strict.origin}/health`, { headers: { origin: 'https://evil.example.com' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await strict.close();
    }
  });

  it('turns introspection off in production', async () => {
    const production = await startTestApp({ NODE_ENV: 'production', AUTH_MODE: 'off' });
    try {
      const response = await fetch(production.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
      });
      expect(((await response.json()) as ErrorBody).errors[0]?.message).toMatch(/introspection/i);
    } finally {
      await production.close();
    }
  });
});
