// Bugs found by hostile testing through the public API, each in the exact scenario that found it.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { CreateUserDocument, UserLedgerDocument } from '../client/index.js';
import { balanceMutations, type BalanceResult } from './balance-mutations.js';
import { insertUser, query, startTestApp, useTestApp } from './helpers.js';

const t = useTestApp();
const mutations = () => balanceMutations(t.client);
const LONE_SURROGATE = 'key-\ud800';

describe('text that is not well-formed Unicode', () => {
  it('is refused as InvalidInput in every text argument, before it reaches a batch', async () => {
    const userId = await insertUser(t.orm, 100);
    const m = mutations();
    const answers = await Promise.all([
      m.withdraw(userId, 1, LONE_SURROGATE),
      m.deposit(userId, 1, '\udc00'),
      m.update(userId, 1, 'a\ud800b'),
      m.set(userId, 5, 'reason \ud800'),
      m.reset(userId, '\udfff'),
    ]);
    expect(answers.map((a) => a.__typename)).toEqual(Array(5).fill('InvalidInput'));
    expect(answers.map((a) => (a.__typename === 'InvalidInput' ? a.field : ''))).toEqual([
      'idempotencyKey',
      'idempotencyKey',
      'idempotencyKey',
      'reason',
      'idempotencyKey',
    ]);
    for (const input of [
      { username: 'lone\ud800' },
      { username: 'surrogate_email', email: 'a\ud800@example.com' },
      { username: 'surrogate_name', name: 'N\udc00' },
    ]) {
      const { createUser } = await t.client.graphql.request(CreateUserDocument, { input });
      expect(createUser).toMatchObject({ __typename: 'InvalidInput', code: 'INVALID_INPUT' });
    }
    const [row] = await query<{ balance: string }>(t.orm, 'select balance from users where id = ?', [Number(userId)]);
    expect(row!.balance).toBe('100');
  });

  it('a replay of such a key among 200 withdrawals in one batch concerns no other withdrawal', async () => {
    const userId = await insertUser(t.orm, 1000);
    const m = mutations();
    await m.withdraw(userId, 1, LONE_SURROGATE);
    const answers = await Promise.all([
      ...Array.from({ length: 100 }, (_, i) => m.withdraw(userId, 1, `ok-${i}`)),
      m.withdraw(userId, 1, LONE_SURROGATE),
      ...Array.from({ length: 100 }, () => m.withdraw(userId, 1)),
    ]);
    const counts = countBy(answers);
    expect(counts).toEqual({ BalanceUpdated: 200, InvalidInput: 1 });
  });
});

describe('an error in a batch', () => {
  it('reaches only the operation it concerns: the others are answered, never with ConcurrentUpdate', async () => {
    const userId = await insertUser(t.orm, 1000);
    // A database refusal tied to one operation's values.
    await query(
      t.orm,
      `create function refuse_explosive() returns trigger language plpgsql as $$
       begin if new.reason = 'explosive' then raise exception 'refused explosive reason'; end if; return new; end $$`,
    );
    await query(
      t.orm,
      'create trigger refuse_explosive before insert on ledger_entries for each row execute function refuse_explosive()',
    );
    try {
      const m = mutations();
      const settled = await Promise.allSettled([
        ...Array.from({ length: 50 }, () => m.withdraw(userId, 1)),
        m.set(userId, 500, 'explosive'),
        ...Array.from({ length: 50 }, () => m.withdraw(userId, 1)),
      ]);
      const failed = settled.filter((s) => s.status === 'rejected');
      expect(failed).toHaveLength(1);
      expect(settled[50]!.status).toBe('rejected');
      const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      expect(countBy(answers)).toEqual({ BalanceUpdated: 100 });
    } finally {
      await query(t.orm, 'drop trigger refuse_explosive on ledger_entries');
      await query(t.orm, 'drop function refuse_explosive()');
    }
  });
});

describe('BalanceUpdated.user', () => {
  it('is the user right after this change: six concurrent withdrawals from 100 answer 99..94 with their versions', async () => {
    const userId = await insertUser(t.orm, 100);
    const m = mutations();
    const answers = await Promise.all(Array.from({ length: 6 }, () => m.withdraw(userId, 1)));
    const updated = answers.map((a) => {
      if (a.__typename !== 'BalanceUpdated') throw new Error(a.__typename);
      expect(a.user.balance).toBe(a.balance);
      return a;
    });
    expect(updated.map((a) => a.balance).sort((x, y) => y - x)).toEqual([99, 98, 97, 96, 95, 94]);
    // One version per committed change: the opening balance is version 1.
    expect(updated.map((a) => a.user.version).sort()).toEqual([2, 3, 4, 5, 6, 7]);
    const byVersion = [...updated].sort((x, y) => x.user.version - y.user.version);
    expect(byVersion.map((a) => a.balance)).toEqual([99, 98, 97, 96, 95, 94]);
  });
});

describe('ledger(first: 0)', () => {
  it('never answers hasNextPage without a cursor to continue from', async () => {
    const userId = await insertUser(t.orm, 10);
    await mutations().withdraw(userId, 1);
    const page = (first: number) =>
      t.client.graphql.request(UserLedgerDocument, { id: userId, first }).then((d) => d.user!.ledger!);
    const empty = await page(0);
    expect(empty.edges).toEqual([]);
    expect(empty.totalCount).toBe(2);
    expect(empty.pageInfo).toMatchObject({ hasNextPage: false, endCursor: null });
    // A client following hasNextPage ends.
    let after: string | null | undefined;
    let pages = 0;
    for (let more = true; more && pages < 10; pages++) {
      const { user } = await t.client.graphql.request(UserLedgerDocument, { id: userId, first: 1, after });
      more = user!.ledger!.pageInfo.hasNextPage;
      after = user!.ledger!.pageInfo.endCursor;
    }
    expect(pages).toBe(2);
  });
});

describe('TRUNCATE ledger_entries', () => {
  it('is refused like UPDATE and DELETE', async () => {
    await expect(query(t.orm, 'truncate ledger_entries cascade')).rejects.toThrow(/immutable/);
    const [row] = await query<{ count: string }>(t.orm, 'select count(*) as count from ledger_entries');
    expect(Number(row!.count)).toBeGreaterThan(0);
  });
});

describe('a wrong persisted-query hash', () => {
  it("is the client's error: 400 with BAD_REQUEST, logged below error level", async () => {
    const logLines: string[] = [];
    const app = await startTestApp({ NODE_ENV: 'production', AUTH_MODE: 'off' }, { logLines });
    try {
      const response = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: '{ user(id: "1") { id } }',
          extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } },
        }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0]).toMatchObject({ extensions: { code: 'BAD_REQUEST' } });
      expect(body.errors[0]!.message).toContain('sha');
      const levels = logLines.map((line) => (JSON.parse(line) as { level: number }).level);
      expect(levels.filter((level) => level >= 50)).toEqual([]);
    } finally {
      await app.close();
    }
  });
});

describe('shutdown', () => {
  it('answers with Connection: close from the moment it begins, so clients do not reuse closing sockets', async () => {
    const app = await startTestApp();
    const userId = await insertUser(app.orm, 1_000_000);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const body = JSON.stringify({
      query: 'mutation($u: ID!) { withdraw(userId: $u, amount: 1) { __typename } }',
      variables: { u: userId },
    });
    const send = () =>
      new Promise<{ connection: string | undefined; afterShutdown: boolean } | { error: string }>((resolve) => {
        const req = http.request(
          app.url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ connection: res.headers.connection, afterShutdown: closing !== undefined }));
          },
        );
        req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
        req.end(body);
      });
    let closing: Promise<void> | undefined;
    let answered = 0;
    const results: Awaited<ReturnType<typeof send>>[] = [];
    // 64 clients in a loop; shutdown begins after 500 answers; each client stops at its first refusal.
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        for (let i = 0; i < 100; i++) {
          const result = await send();
          results.push(result);
          if ('error' in result) return;
          if (++answered === 500) closing = app.app.close();
        }
      }),
    );
    await closing;
    agent.destroy();
    await app.orm.close(true);
    const resets = results.filter((r) => 'error' in r && r.error !== 'ECONNREFUSED');
    expect(resets).toEqual([]);
    const late = results.filter((r) => 'afterShutdown' in r && r.afterShutdown);
    expect(late.length).toBeGreaterThan(0);
    expect(late.some((r) => 'connection' in r && r.connection === 'close')).toBe(true);
  });
});

function countBy(answers: BalanceResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) counts[answer.__typename] = (counts[answer.__typename] ?? 0) + 1;
  return counts;
}
