import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBalanceClient,
  CreateUserDocument,
  errorCodeOf,
  LedgerEntryDocument,
  UserDocument,
  UserLedgerDocument,
  UsersDocument,
  type BalanceClient,
} from '../client/index.js';
import { balanceMutations } from './balance-mutations.js';
import { insertUser, JWT_ENV, query, signToken, startTestApp, TEST_JWT_SECRET, useTestApp } from './helpers.js';

const logLines: string[] = [];
const clients: BalanceClient[] = [];
let alice: string;
let bob: string;
let aliceClient: BalanceClient;
let serviceClient: BalanceClient;

const clientWith = (token: string | undefined): BalanceClient => {
  const client = createBalanceClient(t.url, { token });
  clients.push(client);
  return client;
};

/** Resolves to the error code the request was refused with (or 'OK' when it was not refused). */
const codeOf = (request: Promise<unknown>): Promise<string> =>
  request.then(
    () => 'OK',
    (error: unknown) => errorCodeOf(error) ?? `no code: ${String(error)}`,
  );

/** Every balance and every ledger row, to prove that a refused request changed nothing. */
const snapshot = () =>
  query(
    t.orm,
    'select (select json_agg(u order by id) from users u) as users, (select count(*) from ledger_entries) as entries',
  );

const t = useTestApp({ ...JWT_ENV, JWT_ISSUER: 'https://issuer.example', JWT_AUDIENCE: 'balance' }, { logLines });

beforeAll(async () => {
  alice = await insertUser(t.orm, 100);
  bob = await insertUser(t.orm, 100);
  const claims = { iss: 'https://issuer.example', aud: 'balance' };
  aliceClient = clientWith(await signToken({ ...claims, role: 'user', sub: alice }));
  serviceClient = clientWith(await signToken({ ...claims, role: 'service', sub: 'billing-job' }));
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
});

async function post(
  headers: Record<string, string>,
  body: unknown = { query: '{ user(id: "1") { id } }' },
  url = t.url,
) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    response,
    body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] },
  };
}

describe('AUTH_MODE=jwt: authentication', () => {
  it('answers requests without a valid token 401 UNAUTHENTICATED, and runs nothing', async () => {
    const before = await snapshot();
    const claims = { iss: 'https://issuer.example', aud: 'balance', role: 'service' };
    const cases: [string, Record<string, string>][] = [
      ['no header', {}],
      ['not bearer', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['garbage', { authorization: 'Bearer not-a-jwt' }],
      ['wrong secret', { authorization: `Bearer ${await signToken(claims, { secret: 'x'.repeat(40) })}` }],
      [
        'expired',
        { authorization: `Bearer ${await signToken(claims, { expiresIn: Math.floor(Date.now() / 1000) - 60 })}` },
      ],
      // Once accepted, such a token was valid, and cached, for ever.
      ['without exp', { authorization: `Bearer ${await signToken(claims, { expiresIn: null })}` }],
      ['wrong issuer', { authorization: `Bearer ${await signToken({ ...claims, iss: 'https://evil.example' })}` }],
      ['wrong audience', { authorization: `Bearer ${await signToken({ ...claims, aud: 'other' })}` }],
      ['unknown role', { authorization: `Bearer ${await signToken({ ...claims, role: 'root' })}` }],
      ['user without sub', { authorization: `Bearer ${await signToken({ ...claims, role: 'user' })}` }],
    ];
    for (const [name, headers] of cases) {
      const mutation = { query: `mutation { deposit(userId: "${alice}", amount: 1000) { __typename } }` };
      const { response, body } = await post(headers, mutation);
      expect({ name, status: response.status, code: body.errors?.[0]?.extensions.code, data: body.data }).toEqual({
        name,
        status: 401,
        code: 'UNAUTHENTICATED',
        data: undefined,
      });
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect(await snapshot()).toEqual(before);
  });

  it('logs each refusal with its request id and never the token', async () => {
    const token = await signToken({ role: 'service' }, { secret: 'y'.repeat(40) });
    const { response } = await post({ authorization: `Bearer ${token}`, 'x-request-id': 'req-auth-1' });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-request-id')).toBe('req-auth-1');
    const line = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['requestId'] === 'req-auth-1');
    expect(line).toMatchObject({ msg: 'request refused: not authenticated', level: 40 });
    const secretParts = [token, token.split('.')[2]!, TEST_JWT_SECRET];
    for (const part of secretParts) expect(logLines.join('\n')).not.toContain(part);
  });
});

describe('AUTH_MODE=jwt: role user', () => {
  it("reads its own user and ledger, and nobody else's", async () => {
    expect((await aliceClient.graphql.request(UserDocument, { id: alice })).user?.balance).toBe(100);
    const own = await aliceClient.graphql.request(UserLedgerDocument, { id: alice });
    expect(own.user?.ledger?.totalCount).toBe(1);
    expect(await codeOf(aliceClient.graphql.request(UserDocument, { id: bob }))).toBe('FORBIDDEN');
    expect(await codeOf(aliceClient.graphql.request(UserLedgerDocument, { id: bob }))).toBe('FORBIDDEN');
    expect(await codeOf(aliceClient.graphql.request(UsersDocument, {}))).toBe('FORBIDDEN');
    const [bobsEntry] = await query<{ id: string }>(t.orm, 'select id from ledger_entries where user_id = ?', [bob]);
    // Another user's entry reads as none, as an id that names no entry.
    expect(
      (await aliceClient.graphql.request(LedgerEntryDocument, { id: String(bobsEntry!.id) })).ledgerEntry,
    ).toBeNull();
    const [ownEntry] = await query<{ id: string }>(t.orm, 'select id from ledger_entries where user_id = ?', [alice]);
    expect(
      (await aliceClient.graphql.request(LedgerEntryDocument, { id: String(ownEntry!.id) })).ledgerEntry,
    ).not.toBeNull();
  });

  it('spends its own balance and can do nothing else with money', async () => {
    const as = balanceMutations(aliceClient);
    expect(await as.update(alice, -10)).toMatchObject({ __typename: 'BalanceUpdated', balance: 90 });
    expect(await as.withdraw(alice, 5)).toMatchObject({ __typename: 'BalanceUpdated', balance: 85 });
    expect(await as.update(alice, -1000)).toMatchObject({ __typename: 'InsufficientFunds' });

    const before = await snapshot();
    const refused = await Promise.all([
      codeOf(as.update(alice, 10)),
      codeOf(as.update(bob, -10)),
      codeOf(as.withdraw(bob, 1)),
      codeOf(as.deposit(alice, 10)),
      codeOf(as.set(alice, 1_000_000, 'self-service')),
      codeOf(as.reset(bob)),
      codeOf(aliceClient.graphql.request(CreateUserDocument, { input: { username: 'mallory', initialBalance: 1000 } })),
    ]);
    expect(refused).toEqual(Array(7).fill('FORBIDDEN'));
    expect(await snapshot()).toEqual(before);
  });

  it('logs refused operations with the request id and the caller', async () => {
    const token = await signToken({ iss: 'https://issuer.example', aud: 'balance', role: 'user', sub: alice });
    const { body } = await post(
      { authorization: `Bearer ${token}`, 'x-request-id': 'req-forbidden-1' },
      { query: `mutation { deposit(userId: "${alice}", amount: 5) { __typename } }` },
    );
    expect(body.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const line = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l['requestId'] === 'req-forbidden-1');
    expect(line).toMatchObject({ msg: 'request refused', code: 'FORBIDDEN', role: 'user', subject: alice });
    expect(logLines.join('\n')).not.toContain(token);
    const metrics = await (await fetch(`${t.origin}/metrics`)).text();
    expect(metrics).toMatch(/^graphql_requests_total\{operation="deposit",result="FORBIDDEN"\} [1-9]/m);
    expect(metrics).toMatch(/^graphql_requests_total\{operation="none",result="UNAUTHENTICATED"\} [1-9]/m);
  });
});

describe('AUTH_MODE=jwt: roles service and admin', () => {
  it('may do every operation', async () => {
    const as = balanceMutations(serviceClient);
    expect(await as.deposit(bob, 50)).toMatchObject({ __typename: 'BalanceUpdated', balance: 150 });
    expect(await as.update(bob, 5)).toMatchObject({ __typename: 'BalanceUpdated', balance: 155 });
    expect(await as.set(bob, 70, 'correction')).toMatchObject({ __typename: 'BalanceUpdated', balance: 70 });
    expect(await as.reset(bob)).toMatchObject({ __typename: 'BalanceUpdated', balance: 0 });
    expect((await serviceClient.graphql.request(UsersDocument, {})).users.totalCount).toBeGreaterThanOrEqual(3);
    const admin = clientWith(await signToken({ iss: 'https://issuer.example', aud: 'balance', role: 'admin' }));
    const created = await admin.graphql.request(CreateUserDocument, {
      input: { username: 'carol', initialBalance: 7 },
    });
    expect(created.createUser).toMatchObject({ __typename: 'UserCreated', user: { balance: 7 } });
  });
});

describe('AUTH_MODE=jwt with JWKS_URL', () => {
  it('verifies tokens against the key set, and answers 503 SERVICE_UNAVAILABLE when it cannot be fetched', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const keySet = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => keySet.listen(0, '127.0.0.1', resolve));
    const { port } = keySet.address() as AddressInfo;
    const app = await startTestApp({ AUTH_MODE: 'jwt', JWKS_URL: `http://127.0.0.1:${port}/jwks.json` });
    try {
      const sign = (role: string, key = privateKey, kid = 'k1') =>
        new SignJWT({ role }).setProtectedHeader({ alg: 'ES256', kid }).setExpirationTime('5m').sign(key);
      const ok = await post(
        { authorization: `Bearer ${await sign('service')}` },
        { query: '{ user(id: "1") { id } }' },
        app.url,
      );
      expect([ok.response.status, ok.body.data]).toEqual([200, { user: { id: '1' } }]);
      const other = await generateKeyPair('ES256');
      const forged = await post(
        { authorization: `Bearer ${await sign('service', other.privateKey)}` },
        undefined,
        app.url,
      );
      expect([forged.response.status, forged.body.errors?.[0]?.extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
    } finally {
      await app.close();
      keySet.close();
    }

    // A key set that cannot be fetched (nothing listens on its port any more): retryable, not the caller's fault.
    const unreachable = await startTestApp({ AUTH_MODE: 'jwt', JWKS_URL: `http://127.0.0.1:${port}/jwks.json` });
    try {
      const token = await new SignJWT({ role: 'service' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setExpirationTime('5m')
        .sign(privateKey);
      const refused = await post({ authorization: `Bearer ${token}` }, undefined, unreachable.url);
      expect([refused.response.status, refused.body.errors?.[0]?.extensions.code]).toEqual([
        503,
        'SERVICE_UNAVAILABLE',
      ]);
      expect(refused.response.headers.get('retry-after')).toBe('1');
    } finally {
      await unreachable.close();
    }
  });
});
