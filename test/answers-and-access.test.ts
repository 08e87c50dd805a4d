// Hostile testing of answers and access (issue 21, items 1, 2 and 8): nothing in a mutation's selection can turn a
// committed change into an error, another user's account shows only its id, and another user's holds and
// entries read as none. Over HTTP with fetch, against the real server.
import {
  getNamedType,
  isObjectType,
  isUnionType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAppSchema } from '../src/schema.js';
import { ACCOUNT_SHOWN } from '../src/modules/auth/access.js';
import { insertUser, JWT_ENV, query, signToken, useTestApp } from './helpers.js';

const t = useTestApp(JWT_ENV);
let schema: GraphQLSchema;
let staffToken: string;

beforeAll(async () => {
  schema = await buildAppSchema();
  staffToken = await signToken({ role: 'service', sub: 'billing' });
});

interface Answer {
  status: number;
  data?: Record<string, Record<string, unknown> | null> | null;
  errors?: { message: string; extensions: { code: string } }[];
}

async function post(token: string, document: string, variables?: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
}

/** Everything a committed change would alter: every user row, every ledger entry, every hold. */
const snapshot = () =>
  query(
    t.orm,
    `select (select json_agg(u order by id) from users u) as users,
            (select count(*) from ledger_entries) as entries,
            (select json_agg(h order by id) from holds h) as holds`,
  );

/** An enum value among the arguments (written bare, not as a string). */
class EnumValue {
  constructor(readonly name: string) {}
}

const literal = (value: unknown): string =>
  value instanceof EnumValue
    ? value.name
    : Array.isArray(value)
      ? `[${value.map(literal).join(', ')}]`
      : typeof value === 'object' && value !== null
        ? `{ ${Object.entries(value)
            .map(([k, v]) => `${k}: ${literal(v)}`)
            .join(', ')} }`
        : JSON.stringify(value);

const args = (values: Record<string, unknown>) =>
  `(${Object.entries(values)
    .map(([k, v]) => `${k}: ${literal(v)}`)
    .join(', ')})`;

/**
 * Every place a mutation's answer shows an account (User), as the selection that reaches it: `open` then the
 * account's fields then `close`. Found through every member of every union and into nested answers (a batch's
 * results), so a new answer type is covered as it comes.
 */
function accountPositions(mutation: string): { path: string; open: string; close: string }[] {
  const walk = (type: GraphQLNamedType, depth: number): { path: string; open: string; close: string }[] => {
    const members: readonly GraphQLObjectType[] = isObjectType(type)
      ? [type]
      : isUnionType(type)
        ? schema.getPossibleTypes(type)
        : [];
    return members.flatMap((member) =>
      Object.values(member.getFields()).flatMap((field) => {
        const named = getNamedType(field.type);
        const open = `... on ${member.name} { ${field.name} {`;
        if (named.name === 'User') return [{ path: `${member.name}.${field.name}`, open, close: '} }' }];
        if (depth >= 2 || field.args.length > 0) return [];
        return walk(named, depth + 1).map((inner) => ({
          path: `${member.name}.${field.name}/${inner.path}`,
          open: `${open} ${inner.open}`,
          close: `${inner.close} } }`,
        }));
      }),
    );
  };
  return walk(getNamedType(schema.getMutationType()!.getFields()[mutation]!.type), 0);
}

/** Valid arguments for every mutation, on accounts and a hold made for it. */
async function everyMutation(): Promise<Record<string, Record<string, unknown>>> {
  const [user, other] = [await insertUser(t.orm, 100), await insertUser(t.orm, 100)];
  const placed = await post(
    staffToken,
    `mutation { hold(userId: "${user}", amount: 5, expiresIn: 600, payeeId: "${other}") { ... on HoldPlaced { hold { id } } } }`,
  );
  const holdId = (placed.data!['hold'] as { hold: { id: string } }).hold.id;
  return {
    updateBalance: { userId: user, amount: -1 },
    deposit: { userId: user, amount: 1 },
    withdraw: { userId: user, amount: 1 },
    resetBalance: { userId: user },
    setBalance: { userId: user, balance: 50, reason: 'audit' },
    transfer: { fromUserId: user, toUserId: other, amount: 1 },
    hold: { userId: user, amount: 1, expiresIn: 60 },
    captureHold: { holdId },
    voidHold: { holdId },
    createUser: { input: { username: `new_${Date.now()}` } },
    setLimits: { userId: user, limits: { dailyDebitLimit: 1000 } },
    setAccountStatus: { userId: user, status: new EnumValue('FROZEN'), reason: 'review' },
    batch: {
      operations: [
        { deposit: { userId: user, amount: 1 } },
        { transfer: { fromUserId: user, toUserId: other, amount: 1 } },
      ],
    },
  };
}

describe('a mutation whose answer asks for something it may not have', () => {
  const badSelections: [string, string][] = [
    ['ledger(first: -1)', 'ledger(first: -1) { totalCount }'],
    ['ledger(after: malformed)', 'ledger(after: "not a cursor") { totalCount }'],
    ['holds(first: -5)', 'holds(first: -5) { edges { cursor } }'],
    ['holds(after: malformed)', 'holds(after: "bm8") { edges { cursor } }'],
  ];

  it('is refused whole (400, nothing written) for every mutation and every account in its answer', async () => {
    const mutations = await everyMutation();
    // Every mutation of the schema whose answer can show an account is here: a new one must join this test.
    const showingAccounts = Object.keys(schema.getMutationType()!.getFields()).filter(
      (mutation) => accountPositions(mutation).length > 0,
    );
    expect(Object.keys(mutations).sort()).toEqual(showingAccounts.sort());
    let checked = 0;
    for (const [mutation, values] of Object.entries(mutations)) {
      const positions = accountPositions(mutation);
      expect(positions.length, mutation).toBeGreaterThan(0);
      for (const { path, open, close } of positions) {
        for (const [name, selection] of badSelections) {
          const before = await snapshot();
          const answer = await post(
            staffToken,
            `mutation { ${mutation}${args(values)} { __typename ${open} id ${selection} ${close} } }`,
          );
          expect({ case: `${mutation} ${path} ${name}`, status: answer.status }).toMatchObject({
            status: 400,
          });
          expect(answer.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
          expect(answer.data).toBeUndefined();
          expect(await snapshot()).toEqual(before);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(40);
  });

  it('with the bad argument in a variable, in a fragment, or behind @include(if: $v): refused the same', async () => {
    const user = await insertUser(t.orm, 100);
    const before = await snapshot();
    const cases: [string, Record<string, unknown>][] = [
      [
        `mutation W($after: String) { withdraw(userId: "${user}", amount: 1) { ...Done } }
         fragment Done on BalanceUpdated { user { ledger(after: $after) { totalCount } } }`,
        { after: 'garbage' },
      ],
      [
        `mutation W($v: Boolean!) { withdraw(userId: "${user}", amount: 1) {
           ... on BalanceUpdated { user @include(if: $v) { holds(first: -1) { edges { cursor } } } } } }`,
        { v: true },
      ],
    ];
    for (const [document, variables] of cases) {
      const answer = await post(staffToken, document, variables);
      expect(answer.status).toBe(400);
      expect(answer.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    }
    expect(await snapshot()).toEqual(before);
    // Left out by @include(if: false), the same selection runs nothing that can fail: the change is answered.
    const answer = await post(
      staffToken,
      `mutation W($v: Boolean!) { withdraw(userId: "${user}", amount: 1) {
         __typename ... on BalanceUpdated { balance user @include(if: $v) { holds(first: -1) { edges { cursor } } } } } }`,
      { v: false },
    );
    expect(answer).toMatchObject({ status: 200, data: { withdraw: { __typename: 'BalanceUpdated', balance: 99 } } });
  });

  it("webhook endpoints are an admin's: a service and a user are FORBIDDEN before anything runs", async () => {
    const userToken = await signToken({ role: 'user', sub: '1' });
    const adminToken = await signToken({ role: 'admin', sub: 'ops' });
    const endpoints = () => query(t.orm, 'select id from webhook_endpoints');
    const before = await endpoints();
    const documents = [
      'mutation { createWebhookEndpoint(url: "https://hooks.example/x", events: ["*"]) { __typename } }',
      'mutation { rotateWebhookSecret(id: "1") { __typename } }',
      'mutation { disableWebhookEndpoint(id: "1") { __typename } }',
      'mutation { redeliverWebhookEvent(eventId: "evt_1_0") { __typename } }',
      'query { webhookEndpoints { id } }',
      'query { webhookDeliveries(endpointId: "1") { eventId } }',
    ];
    for (const token of [staffToken, userToken]) {
      for (const document of documents) {
        const answer = await post(token, document);
        expect({ document, code: answer.errors?.[0]?.extensions.code }).toEqual({ document, code: 'FORBIDDEN' });
        expect(answer.data ?? null).toBeNull();
      }
    }
    expect(await endpoints()).toEqual(before);
    // Monitors are staff's (a service may), not a user's.
    const monitor = 'mutation { createBalanceMonitor(direction: BELOW, threshold: 10) { __typename } }';
    expect((await post(userToken, monitor)).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await post(staffToken, monitor)).data).toEqual({
      createBalanceMonitor: { __typename: 'BalanceMonitorCreated' },
    });
    const created = await post(
      adminToken,
      'mutation { createWebhookEndpoint(url: "https://hooks.example/x", events: ["*"]) { ... on WebhookEndpointCreated { endpoint { id } } } }',
    );
    const { id } = (created.data!['createWebhookEndpoint'] as { endpoint: { id: string } }).endpoint;
    const disabled = await post(adminToken, `mutation { disableWebhookEndpoint(id: "${id}") { __typename } }`);
    expect(disabled.data).toEqual({ disableWebhookEndpoint: { __typename: 'WebhookEndpointDisabled' } });
  });

  it('two mutations in one request are refused before either runs (400): a failure of one would hide the other', async () => {
    const user = await insertUser(t.orm, 100);
    const before = await snapshot();
    const answer = await post(
      staffToken,
      `mutation { a: withdraw(userId: "${user}", amount: 1) { __typename } b: deposit(userId: "${user}", amount: 1) { __typename } }`,
    );
    expect(answer.status).toBe(400);
    expect(answer.errors?.[0]?.extensions.code).toBe('BAD_REQUEST');
    expect(await snapshot()).toEqual(before);
    // The same field twice under one name is one field (GraphQL merges it): allowed.
    const merged = await post(
      staffToken,
      `mutation { withdraw(userId: "${user}", amount: 1) { __typename } withdraw(userId: "${user}", amount: 1) { __typename ... on BalanceUpdated { balance } } }`,
    );
    expect(merged).toMatchObject({ status: 200, data: { withdraw: { __typename: 'BalanceUpdated', balance: 99 } } });
  });
});

describe("another user's account, to a role user", () => {
  let alice: string;
  let bob: string;
  let aliceToken: string;
  beforeAll(async () => {
    [alice, bob] = [await insertUser(t.orm, 1000), await insertUser(t.orm, 1000)];
    aliceToken = await signToken({ role: 'user', sub: alice });
  });

  const userType = () => schema.getType('User') as GraphQLObjectType;
  /** Every field of User, from the schema: a field added later is covered too. */
  const userFields = () => Object.keys(userType().getFields());
  const selectionOf = (field: string): string => {
    const type = getNamedType(userType().getFields()[field]!.type);
    if (field === 'ledger') return 'ledger { totalCount }';
    if (field === 'holds') return 'holds { edges { cursor } }';
    return isObjectType(type) ? `${field} { __typename }` : field;
  };

  it('shows only its id in a transfer answer (every other field of User FORBIDDEN before the transfer runs)', async () => {
    const fields = userFields();
    expect(fields.length).toBeGreaterThan(10);
    for (const field of fields.filter((f) => f !== 'id')) {
      const before = await snapshot();
      const answer = await post(
        aliceToken,
        `mutation { transfer(fromUserId: "${alice}", toUserId: "${bob}", amount: 1, idempotencyKey: "t-${field}") {
           __typename ... on TransferCompleted { to { id ${selectionOf(field)} } } } }`,
      );
      expect({ field, status: answer.status, code: answer.errors?.[0]?.extensions.code }).toEqual({
        field,
        status: 403,
        code: 'FORBIDDEN',
      });
      expect(await snapshot()).toEqual(before);
    }
    const allowed = await post(
      aliceToken,
      `mutation { transfer(fromUserId: "${alice}", toUserId: "${bob}", amount: 1, idempotencyKey: "t-id") {
         __typename ... on TransferCompleted { from { id balance version } to { id __typename } } } }`,
    );
    expect(allowed).toMatchObject({
      status: 200,
      data: { transfer: { __typename: 'TransferCompleted', from: { id: alice, balance: 999 }, to: { id: bob } } },
    });
    // A replay of the key cannot be used to watch the payee either.
    const replay = await post(
      aliceToken,
      `mutation { transfer(fromUserId: "${alice}", toUserId: "${bob}", amount: 1, idempotencyKey: "t-id") {
         ... on TransferCompleted { to { balance } } } }`,
    );
    expect(replay.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });

  it('sees every field of its own account wherever the answer shows it (from, user, hold changes)', async () => {
    const own = userFields().map(selectionOf).join(' ');
    const cases = [
      `mutation { withdraw(userId: "${alice}", amount: 1) { ... on BalanceUpdated { user { ${own} } } } }`,
      `mutation { updateBalance(userId: "${alice}", amount: -1) { ... on BalanceUpdated { user { ${own} } } } }`,
      `mutation { transfer(fromUserId: "${alice}", toUserId: "${bob}", amount: 1) { ... on TransferCompleted { from { ${own} } } } }`,
      `mutation { hold(userId: "${alice}", amount: 1, expiresIn: 60) { ... on HoldChange { user { ${own} } } } }`,
      `{ user(id: "${alice}") { ${own} } }`,
    ];
    for (const document of cases) {
      const answer = await post(aliceToken, document);
      expect({ document, status: answer.status, errors: answer.errors }).toMatchObject({ status: 200 });
      expect(answer.errors).toBeUndefined();
    }
  });

  it("every position of the schema that shows an account is reviewed: the caller's own ones are marked", () => {
    const positions: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        if (getNamedType(field.type).name !== 'User') continue;
        positions.push(`${type.name}.${field.name}${field.extensions[ACCOUNT_SHOWN] === 'own' ? ' (own)' : ''}`);
      }
    }
    // Unmarked positions show another user's account to a role user (or are reached by staff only).
    expect(positions.sort()).toEqual([
      'AccountStatusSet.user (own)',
      'BalanceUpdated.user (own)',
      'HoldCaptured.payee',
      'HoldCaptured.user (own)',
      'HoldPlaced.user (own)',
      'HoldVoided.user (own)',
      'LimitsSet.user (own)',
      'Query.user (own)',
      'TransferCompleted.from (own)',
      'TransferCompleted.to',
      'UserCreated.user',
      'UserEdge.node',
      'VersionMismatch.user (own)',
    ]);
  });
});

describe('probing ids, as a role user', () => {
  let alice: string;
  let bob: string;
  let aliceToken: string;
  beforeAll(async () => {
    [alice, bob] = [await insertUser(t.orm, 100), await insertUser(t.orm, 100)];
    aliceToken = await signToken({ role: 'user', sub: alice });
  });

  const withoutId = (answer: Answer) => JSON.stringify(answer).replaceAll(/\d+/g, '#');

  it("another user's hold is indistinguishable from no hold: void, read, capture", async () => {
    const placed = await post(
      staffToken,
      `mutation { hold(userId: "${bob}", amount: 5, expiresIn: 600) { ... on HoldPlaced { hold { id } } } }`,
    );
    const bobsHold = (placed.data!['hold'] as { hold: { id: string } }).hold.id;
    const missing = String(Number(bobsHold) + 1_000_000);
    const voidOf = (id: string) =>
      post(aliceToken, `mutation { voidHold(holdId: "${id}") { __typename ... on BalanceError { code message } } }`);
    const readOf = (id: string) => post(aliceToken, `{ hold(id: "${id}") { id status } }`);
    const captureOf = (id: string) => post(aliceToken, `mutation { captureHold(holdId: "${id}") { __typename } }`);
    for (const probe of [voidOf, readOf, captureOf]) {
      expect(withoutId(await probe(bobsHold))).toBe(withoutId(await probe(missing)));
    }
    expect((await voidOf(bobsHold)).data).toEqual({
      voidHold: { __typename: 'HoldNotFound', code: 'HOLD_NOT_FOUND', message: `Hold "${bobsHold}" not found` },
    });
    expect((await readOf(bobsHold)).data).toEqual({ hold: null });
    const [row] = await query<{ status: string }>(t.orm, 'select status from holds where id = ?', [bobsHold]);
    expect(row!.status).toBe('OPEN');
  });

  it("another user's ledger entry reads as none, as an id with no entry", async () => {
    const [entry] = await query<{ id: string }>(t.orm, 'select id::text from ledger_entries where user_id = ?', [bob]);
    const read = (id: string) => post(aliceToken, `{ ledgerEntry(id: "${id}") { id amount } }`);
    expect(await read(entry!.id)).toEqual({ status: 200, data: { ledgerEntry: null } });
    expect(await read('999999999')).toEqual({ status: 200, data: { ledgerEntry: null } });
  });

  it('an unknown payee is told only to a transfer that would otherwise go through; a hold may not name one', async () => {
    const unknown = '2000000000';
    const transfer = (to: string, amount: number) =>
      post(
        aliceToken,
        `mutation { transfer(fromUserId: "${alice}", toUserId: "${to}", amount: ${amount}) { __typename ... on UserNotFound { side } } }`,
      );
    // More than is available: the same answer whether the payee exists or not.
    expect((await transfer(unknown, 1_000_000)).data).toEqual({ transfer: { __typename: 'InsufficientFunds' } });
    expect((await transfer(bob, 1_000_000)).data).toEqual({ transfer: { __typename: 'InsufficientFunds' } });
    // Within what is available: an unknown payee is refused; a known one is paid (what finding out costs).
    expect((await transfer(unknown, 1)).data).toEqual({ transfer: { __typename: 'UserNotFound', side: 'PAYEE' } });
    // Naming a payee on a hold is for staff: refused before anything is read, whether the payee exists or not.
    const hold = (payee: string) =>
      post(
        aliceToken,
        `mutation { hold(userId: "${alice}", amount: 1, expiresIn: 60, payeeId: "${payee}") { __typename } }`,
      );
    const [known, absent] = [await hold(bob), await hold(unknown)];
    expect(known.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(withoutId(known)).toBe(withoutId(absent));
  });
});
