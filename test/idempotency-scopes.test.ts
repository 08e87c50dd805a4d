// Idempotency keys per principal and per request (issue 21, items 3 and 4): no principal can pre-empt another's
// key, and a repeated key with any parameter different is IdempotencyKeyReused, however the two requests are
// grouped into batches. Over HTTP with fetch, against the real server.
import { beforeAll, describe, expect, it } from 'vitest';
import { insertUser, JWT_ENV, query, signToken, useTestApp } from './helpers.js';

const t = useTestApp(JWT_ENV);
let staffToken: string;
let adminToken: string;

beforeAll(async () => {
  staffToken = await signToken({ role: 'service', sub: 'payments' });
  adminToken = await signToken({ role: 'admin', sub: 'ops' });
});

async function run(token: string, document: string): Promise<Record<string, unknown>> {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document }),
  });
  const body = (await response.json()) as { data?: Record<string, Record<string, unknown>>; errors?: unknown[] };
  if (!body.data) throw new Error(`${response.status} ${JSON.stringify(body.errors)}`);
  return Object.values(body.data)[0]!;
}

const typename = (answer: Record<string, unknown>) => answer['__typename'] as string;

async function placeHold(userId: string, amount = 10, payee?: string): Promise<string> {
  const payeeArg = payee ? `, payeeId: "${payee}"` : '';
  const answer = await run(
    staffToken,
    `mutation { hold(userId: "${userId}", amount: ${amount}, expiresIn: 600${payeeArg}) { ... on HoldPlaced { hold { id } } } }`,
  );
  return (answer['hold'] as { id: string }).id;
}

describe("a key of one principal never blocks another's", () => {
  it("the holder using the service's capture key first cannot block the capture of its own hold", async () => {
    const [holder, shop] = [await insertUser(t.orm, 100), await insertUser(t.orm, 0)];
    const holderToken = await signToken({ role: 'user', sub: holder });
    const holdId = await placeHold(holder, 10, shop);
    const key = `capture-${holdId}`; // predictable
    expect(
      typename(
        await run(
          holderToken,
          `mutation { withdraw(userId: "${holder}", amount: 1, idempotencyKey: "${key}") { __typename } }`,
        ),
      ),
    ).toBe('BalanceUpdated');
    const capture = await run(
      staffToken,
      `mutation { captureHold(holdId: "${holdId}", idempotencyKey: "${key}") { __typename ... on HoldCaptured { amount } } }`,
    );
    expect(capture).toEqual({ __typename: 'HoldCaptured', amount: 10 });
  });

  it('for every staff operation on a user account, either order: user first or staff first', async () => {
    // Each staff operation on `user`'s account, with the key the user used (or will use) for a withdrawal.
    const staffOperations: [string, (user: string, other: string, key: string) => Promise<string>][] = [
      [
        'updateBalance',
        (u, _o, k) =>
          Promise.resolve(
            `mutation { updateBalance(userId: "${u}", amount: 1, idempotencyKey: "${k}") { __typename } }`,
          ),
      ],
      [
        'deposit',
        (u, _o, k) =>
          Promise.resolve(`mutation { deposit(userId: "${u}", amount: 1, idempotencyKey: "${k}") { __typename } }`),
      ],
      [
        'withdraw',
        (u, _o, k) =>
          Promise.resolve(`mutation { withdraw(userId: "${u}", amount: 1, idempotencyKey: "${k}") { __typename } }`),
      ],
      [
        'setBalance',
        (u, _o, k) =>
          Promise.resolve(
            `mutation { setBalance(userId: "${u}", balance: 90, idempotencyKey: "${k}") { __typename } }`,
          ),
      ],
      [
        'resetBalance',
        (u, _o, k) =>
          Promise.resolve(`mutation { resetBalance(userId: "${u}", idempotencyKey: "${k}") { __typename } }`),
      ],
      [
        'transfer',
        (u, o, k) =>
          Promise.resolve(
            `mutation { transfer(fromUserId: "${u}", toUserId: "${o}", amount: 1, idempotencyKey: "${k}") { __typename } }`,
          ),
      ],
      [
        'hold',
        (u, _o, k) =>
          Promise.resolve(
            `mutation { hold(userId: "${u}", amount: 1, expiresIn: 60, idempotencyKey: "${k}") { __typename } }`,
          ),
      ],
      [
        'captureHold',
        async (u, _o, k) =>
          `mutation { captureHold(holdId: "${await placeHold(u, 3)}", idempotencyKey: "${k}") { __typename } }`,
      ],
      [
        'voidHold',
        async (u, _o, k) =>
          `mutation { voidHold(holdId: "${await placeHold(u, 3)}", idempotencyKey: "${k}") { __typename } }`,
      ],
    ];
    const succeeded = new Set(['BalanceUpdated', 'TransferCompleted', 'HoldPlaced', 'HoldCaptured', 'HoldVoided']);
    for (const [name, staffDocument] of staffOperations) {
      for (const userFirst of [true, false]) {
        const [user, other] = [await insertUser(t.orm, 100), await insertUser(t.orm, 100)];
        const userToken = await signToken({ role: 'user', sub: user });
        const key = `shared-${name}`;
        const own = `mutation { withdraw(userId: "${user}", amount: 2, idempotencyKey: "${key}") { __typename } }`;
        const staff = await staffDocument(user, other, key);
        const [first, second] = userFirst
          ? [await run(userToken, own), await run(staffToken, staff)]
          : [await run(staffToken, staff), await run(userToken, own)];
        expect({ name, userFirst, first: succeeded.has(typename(first)), second: typename(second) }).toMatchObject({
          first: true,
        });
        // (After a reset the user's withdrawal is InsufficientFunds: decided on its own, not blocked by the key.)
        const expected = name === 'resetBalance' && !userFirst ? 'InsufficientFunds' : 'applied';
        const outcome = succeeded.has(typename(second)) ? 'applied' : typename(second);
        expect(outcome, `${name}, user first: ${userFirst}`).toBe(expected);
      }
    }
  });

  it("staff share one key space: an admin's repeat of a service's request is its replay", async () => {
    const user = await insertUser(t.orm, 100);
    const document = `mutation { deposit(userId: "${user}", amount: 5, idempotencyKey: "refill-1") { ... on BalanceUpdated { entryId } } }`;
    expect(await run(adminToken, document)).toEqual(await run(staffToken, document));
    const [row] = await query<{ balance: string; keys: string }>(
      t.orm,
      `select balance, (select string_agg(key_space, ',') from ledger_entries where user_id = users.id and idempotency_key is not null) as keys
         from users where id = ?`,
      [user],
    );
    expect(row).toEqual({ balance: '105', keys: 'staff' });
  });
});

describe('a repeated key with any parameter different', () => {
  /** Each keyed operation: the first request, then repeats that differ in one parameter each. */
  const operations = async (): Promise<[string, string, string[]][]> => {
    const [user, payee, other] = [
      await insertUser(t.orm, 1000),
      await insertUser(t.orm, 0),
      await insertUser(t.orm, 0),
    ];
    // The holds to end are another account's: a reset of `user` below held credits would be refused.
    const holder = await insertUser(t.orm, 100);
    const [holdA, holdB] = [await placeHold(holder, 40), await placeHold(holder, 40)];
    // One key per operation below: `K-<operation>`.
    let key = '';
    const m = (field: string, args: string) =>
      `mutation { ${field}(${args}, idempotencyKey: "${key}") { __typename ... on BalanceError { code } } }`;
    const keyed = (name: string, make: () => [string, string[]]): [string, string, string[]] => {
      key = `K-${name}`;
      return [name, ...make()];
    };
    const u = `userId: "${user}"`;
    return [
      keyed('updateBalance', () => [
        m('updateBalance', `${u}, amount: -5`),
        [m('updateBalance', `${u}, amount: -6`), m('withdraw', `${u}, amount: 5`)],
      ]),
      keyed('deposit', () => [
        m('deposit', `${u}, amount: 5`),
        [m('deposit', `${u}, amount: 6`), m('updateBalance', `${u}, amount: 5`)],
      ]),
      keyed('withdraw', () => [
        m('withdraw', `${u}, amount: 5`),
        [m('withdraw', `${u}, amount: 6`), m('updateBalance', `${u}, amount: -5`)],
      ]),
      keyed('resetBalance', () => [
        m('resetBalance', u),
        [m('setBalance', `${u}, balance: 0`), m('withdraw', `${u}, amount: 1`)],
      ]),
      keyed('setBalance', () => [
        m('setBalance', `${u}, balance: 500, reason: "sync"`),
        [
          m('setBalance', `${u}, balance: 501, reason: "sync"`),
          m('setBalance', `${u}, balance: 500, reason: "other"`),
          m('setBalance', `${u}, balance: 500`),
          m('setBalance', `${u}, balance: 500, reason: ""`),
        ],
      ]),
      keyed('transfer', () => [
        m('transfer', `fromUserId: "${user}", toUserId: "${payee}", amount: 5, reason: "rent"`),
        [
          m('transfer', `fromUserId: "${user}", toUserId: "${other}", amount: 5, reason: "rent"`),
          m('transfer', `fromUserId: "${user}", toUserId: "${payee}", amount: 6, reason: "rent"`),
          m('transfer', `fromUserId: "${user}", toUserId: "${payee}", amount: 5, reason: "food"`),
          m('transfer', `fromUserId: "${user}", toUserId: "${payee}", amount: 5`),
        ],
      ]),
      keyed('hold', () => [
        m('hold', `${u}, amount: 5, expiresIn: 60, reason: "r", payeeId: "${payee}"`),
        [
          m('hold', `${u}, amount: 6, expiresIn: 60, reason: "r", payeeId: "${payee}"`),
          m('hold', `${u}, amount: 5, expiresIn: 61, reason: "r", payeeId: "${payee}"`),
          m('hold', `${u}, amount: 5, expiresIn: 60, reason: "s", payeeId: "${payee}"`),
          m('hold', `${u}, amount: 5, expiresIn: 60, payeeId: "${payee}"`),
          m('hold', `${u}, amount: 5, expiresIn: 60, reason: "r", payeeId: "${other}"`),
          m('hold', `${u}, amount: 5, expiresIn: 60, reason: "r"`),
        ],
      ]),
      keyed('captureHold', () => [
        m('captureHold', `holdId: "${holdA}", amount: 10`),
        [
          m('captureHold', `holdId: "${holdA}"`),
          m('captureHold', `holdId: "${holdA}", amount: 40`),
          m('captureHold', `holdId: "${holdB}", amount: 10`),
        ],
      ]),
      keyed('voidHold', () => [
        m('voidHold', `holdId: "${holdB}"`),
        [m('voidHold', `holdId: "${holdA}"`), m('captureHold', `holdId: "${holdB}"`)],
      ]),
    ];
  };

  it('is IdempotencyKeyReused for every keyed operation and parameter, asked after the first was answered', async () => {
    let cases = 0;
    for (const [name, first, differing] of await operations()) {
      const original = await run(staffToken, first);
      expect({ name, first: typename(original) }).not.toMatchObject({
        first: expect.stringMatching(/Reused|NotFound|Invalid/),
      });
      expect(await run(staffToken, first), `${name}: the same request replays`).toEqual(original);
      for (const document of differing) {
        expect({ name, document, answer: await run(staffToken, document) }).toMatchObject({
          answer: { __typename: 'IdempotencyKeyReused' },
        });
        cases++;
      }
    }
    expect(cases).toBeGreaterThanOrEqual(25);
  });

  it('is IdempotencyKeyReused too when both arrive at once (one batch, or two): exactly one is applied', async () => {
    let cases = 0;
    // Round i sends each operation's first request together with its i-th variant, on fresh accounts and holds.
    for (let i = 0; ; i++) {
      const round = (await operations()).filter(([, , differing]) => differing.length > i);
      if (round.length === 0) break;
      for (const [name, first, differing] of round) {
        const answers = (await Promise.all([run(staffToken, first), run(staffToken, differing[i]!)])).map(typename);
        // One of the two is first and applied, the other refused: never both applied, never both replays.
        expect({ name, variant: differing[i], answers }).toMatchObject({
          answers: expect.arrayContaining(['IdempotencyKeyReused']),
        });
        expect(
          answers.filter((a) => a === 'IdempotencyKeyReused'),
          name,
        ).toHaveLength(1);
        cases++;
      }
    }
    expect(cases).toBeGreaterThanOrEqual(25);
  });
});
