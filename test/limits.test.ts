import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers.js';

interface ErrorBody {
  data?: unknown;
  errors: { message: string; extensions: { code: string } }[];
}

let t: TestApp;
let production: TestApp;

beforeAll(async () => {
  const limits = {
    MAX_QUERY_DEPTH: '4',
    MAX_QUERY_ALIASES: '3',
    MAX_QUERY_COST: '60',
    MAX_QUERY_TOKENS: '200',
    MAX_QUERY_DIRECTIVES: '2',
  };
  [t, production] = await Promise.all([
    startTestApp(limits),
    startTestApp({ ...limits, NODE_ENV: 'production', AUTH_MODE: 'off' }),
  ]);
});

afterAll(async () => {
  await Promise.all([t.close(), production.close()]);
});

async function post(app: TestApp, body: unknown): Promise<{ status: number; body: ErrorBody }> {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as ErrorBody };
}

const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: user(id: "1") { id }`).join(' ');

describe('query limits (graphql-armor), configurable', () => {
  it.each([
    ['depth', '{ user(id: "1") { ledger { edges { node { id } } } } }', /depth limit of 4/],
    ['aliases', `{ ${aliases(4)} }`, /Aliases limit of 3/],
    [
      'cost',
      `{ users(first: 100) { edges { node { id username balance email name version createdAt updatedAt } } } }`,
      /Cost limit of 60/,
    ],
    [
      'directives',
      '{ user(id: "1") { id @include(if: true) balance @include(if: true) version @skip(if: false) } }',
      /Directives limit of 2/,
    ],
    ['tokens', `{ user(id: "1") { ${'id '.repeat(250)} } }`, /more th[ae][nt] 200 tokens/],
  ])('refuses a document over the %s limit with 400 before running it', async (_limit, query, message) => {
    const { status, body } = await post(t, { query });
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors[0]?.message).toMatch(message);
    expect(body.errors[0]?.extensions.code).toMatch(/GRAPHQL_VALIDATION_FAILED|BAD_USER_INPUT|GRAPHQL_PARSE_FAILED/);
  });

  it('a batch written out in the document counts against the limits: its items are tokens like any others', async () => {
    const items = Array.from({ length: 20 }, () => '{ deposit: { userId: "1", amount: 1 } }').join(' ');
    const query = `mutation { batch(operations: [${items}]) { __typename } }`;
    const before = await post(t, { query: '{ user(id: "1") { balance } }' });
    const { status, body } = await post(t, { query });
    expect(status).toBe(400);
    expect(body.errors[0]?.message).toMatch(/more th[ae][nt] 200 tokens/);
    // Nothing ran: the balance is what it was. (As variables, items are bounded by BATCH_OPERATIONS_MAX instead.)
    expect(await post(t, { query: '{ user(id: "1") { balance } }' })).toEqual(before);
  });

  it('accepts documents within every limit', async () => {
    const { status, body } = await post(t, { query: `{ ${aliases(3)} }` });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  });

  it('refuses batched requests (one operation per HTTP request)', async () => {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ query: '{ user(id: "1") { id } }' }, { query: '{ user(id: "1") { id } }' }]),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/batching disabled/i);
  });

  it('suggests field names while developing, never in production', async () => {
    const typo = { query: '{ usr(id: "1") { id } }' };
    expect((await post(t, typo)).body.errors[0]?.message).toMatch(/Did you mean "user"/);
    const hidden = (await post(production, typo)).body.errors[0]?.message;
    expect(hidden).toMatch(/Cannot query field "usr"/);
    expect(hidden).not.toMatch(/Did you mean/);
  });
});
