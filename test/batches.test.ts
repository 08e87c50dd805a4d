// Atomic batches of operations (issue 22): all or nothing, in order, each item as its mutation alone.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { insertUser, JWT_ENV, ledgerViolations, query, signToken, useTestApp } from './helpers.js';
import { startServers } from './server-process.js';

const t = useTestApp(JWT_ENV, {});
const staff = () => signToken({ role: 'service', sub: 'batcher' });

interface Result {
  __typename: string;
  [field: string]: unknown;
}
interface BatchAnswer {
  __typename: string;
  index?: number;
  results?: Result[];
  field?: string;
}

const RESULT = `__typename
  ... on BatchApplied { results { ...Item } }
  ... on BatchRefused { index results { ...Item } }
  ... on BalanceError { code message }
  ... on InvalidInput { field }`;
const ITEM = `fragment Item on BatchItemResult {
  __typename
  ... on BalanceUpdated { amount balance entryId user { id balance version } }
  ... on TransferCompleted { amount fromEntryId toEntryId from { id balance version } to { id } }
  ... on HoldPlaced { hold { id amount status } user { id held available } }
  ... on HoldCaptured { amount payeeEntryId hold { id status captured } }
  ... on HoldVoided { hold { id status } }
  ... on BalanceError { code }
  ... on InsufficientFunds { balance available requested }
}`;

async function batch(
  operations: unknown[],
  { atomic, idempotencyKey, token }: { atomic?: boolean; idempotencyKey?: string; token?: string } = {},
): Promise<BatchAnswer> {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? (await staff())}` },
    body: JSON.stringify({
      query: `mutation B($operations: [BatchOperation!]!, $atomic: Boolean, $key: String) {
        batch(operations: $operations, atomic: $atomic, idempotencyKey: $key) { ${RESULT} } } ${ITEM}`,
      variables: { operations, atomic, key: idempotencyKey },
    }),
  });
  const body = (await response.json()) as {
    data?: { batch: BatchAnswer };
    errors?: { extensions: { code: string } }[];
  };
  if (!body.data)
    throw Object.assign(new Error(JSON.stringify(body.errors)), { code: body.errors?.[0]?.extensions.code });
  return body.data.batch;
}

const balances = async (...ids: string[]) =>
  Promise.all(
    ids.map(async (id) => {
      const [row] = await query<{ balance: string; held: string }>(
        t.orm,
        'select balance, held from users where id = ?',
        [Number(id)],
      );
      return Number(row!.balance);
    }),
  );
const entries = async (...ids: string[]) =>
  Number(
    (
      await query<{ n: string }>(
        t.orm,
        'select count(*) as n from ledger_entries where user_id in (select jsonb_array_elements_text(?::jsonb)::integer)',
        [JSON.stringify(ids.map(Number))],
      )
    )[0]!.n,
  );

describe('batch', () => {
  it('applies items in order across accounts: a deposit funds a later withdrawal, a credit a later transfer', async () => {
    const [seller, fee, tax, buyer] = await Promise.all([0, 0, 0, 0].map((b) => insertUser(t.orm, b)));
    const answer = await batch([
      { deposit: { userId: buyer, amount: 100 } },
      { transfer: { fromUserId: buyer, toUserId: seller, amount: 80, reason: 'order 7' } },
      { transfer: { fromUserId: buyer, toUserId: fee, amount: 15 } },
      { transfer: { fromUserId: buyer, toUserId: tax, amount: 5 } },
      { transfer: { fromUserId: seller, toUserId: tax, amount: 8 } },
      { withdraw: { userId: seller, amount: 72 } },
    ]);
    expect(answer.__typename).toBe('BatchApplied');
    expect(answer.results!.map((r) => r.__typename)).toEqual([
      'BalanceUpdated',
      'TransferCompleted',
      'TransferCompleted',
      'TransferCompleted',
      'TransferCompleted',
      'BalanceUpdated',
    ]);
    expect(answer.results![0]).toMatchObject({ balance: 100, user: { id: buyer, balance: 100, version: 2 } });
    expect(answer.results![3]).toMatchObject({ from: { id: buyer, balance: 0, version: 5 }, to: { id: tax } });
    expect(answer.results![5]).toMatchObject({ amount: -72, balance: 0, user: { id: seller, version: 4 } });
    expect(await balances(seller, fee, tax, buyer)).toEqual([0, 15, 13, 0]);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('atomic: one refusal and nothing is written; the refused item says why, the others NotApplied', async () => {
    const [a, b] = [await insertUser(t.orm, 10), await insertUser(t.orm, 0)];
    const before = await entries(a, b);
    const answer = await batch([
      { transfer: { fromUserId: a, toUserId: b, amount: 6 } },
      { withdraw: { userId: a, amount: 5 } },
      { deposit: { userId: b, amount: 1 } },
    ]);
    expect(answer).toMatchObject({ __typename: 'BatchRefused', index: 1 });
    expect(answer.results!.map((r) => r.__typename)).toEqual(['NotApplied', 'InsufficientFunds', 'NotApplied']);
    expect(answer.results![1]).toMatchObject({ balance: 4, available: 4, requested: 5 });
    expect(await balances(a, b)).toEqual([10, 0]);
    expect(await entries(a, b)).toBe(before);
  });

  it('not atomic: each item decided on its own, in order, in one transaction', async () => {
    const [a, b] = [await insertUser(t.orm, 10), await insertUser(t.orm, 0)];
    const answer = await batch(
      [
        { transfer: { fromUserId: a, toUserId: b, amount: 6 } },
        { withdraw: { userId: a, amount: 5 } },
        { withdraw: { userId: b, amount: 6 } },
        { setBalance: { userId: a, balance: 3, reason: 'sync' } },
      ],
      { atomic: false },
    );
    expect(answer.__typename).toBe('BatchApplied');
    expect(answer.results!.map((r) => r.__typename)).toEqual([
      'TransferCompleted',
      'InsufficientFunds',
      'BalanceUpdated',
      'BalanceUpdated',
    ]);
    expect(await balances(a, b)).toEqual([3, 0]);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('holds in a batch: a capture then a void of one hold refuses the void', async () => {
    const [holder, shop] = [await insertUser(t.orm, 50), await insertUser(t.orm, 0)];
    const placed = await batch([{ hold: { userId: holder, amount: 20, expiresIn: 600, payeeId: shop } }]);
    const holdId = (placed.results![0]!['hold'] as { id: string }).id;
    const answer = await batch([{ captureHold: { holdId, amount: 12 } }, { voidHold: { holdId } }], { atomic: false });
    expect(answer.results!.map((r) => r.__typename)).toEqual(['HoldCaptured', 'HoldAlreadyCaptured']);
    expect(answer.results![0]).toMatchObject({ amount: 12, hold: { status: 'CAPTURED', captured: 12 } });
    expect(await balances(holder, shop)).toEqual([38, 12]);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('stores texts exactly as sent: quotes, backslashes, placeholders and unicode in reasons and keys', async () => {
    const [a, b] = [await insertUser(t.orm, 100), await insertUser(t.orm, 0)];
    const texts = [`it's`, 'C:\\path\\', "\\' or 1=1 --", 'what? $1 ?? \\?', 'é 💸 "quoted"', '\\\\x00'];
    const answer = await batch(
      texts.map((reason) => ({ transfer: { fromUserId: a, toUserId: b, amount: 1, reason } })),
      { idempotencyKey: `key ' \\ ? $1 ${Date.now()}` },
    );
    expect(answer.__typename).toBe('BatchApplied');
    const stored = await query<{ reason: string }>(
      t.orm,
      `select reason from ledger_entries where user_id = ? and kind = 'TRANSFER_OUT' order by id`,
      [Number(a)],
    );
    expect(stored.map((row) => row.reason)).toEqual(texts);
  });

  it('refuses an empty batch and one over the limit, before anything runs', async () => {
    const user = await insertUser(t.orm, 10);
    expect(await batch([])).toMatchObject({ __typename: 'InvalidInput', field: 'operations' });
    const tooMany = Array.from({ length: 1001 }, () => ({ deposit: { userId: user, amount: 1 } }));
    expect(await batch(tooMany)).toMatchObject({ __typename: 'InvalidInput', field: 'operations' });
    expect(await balances(user)).toEqual([10]);
  });

  it('an item with no or two operations is refused by GraphQL (@oneOf) before anything runs', async () => {
    const user = await insertUser(t.orm, 10);
    await expect(batch([{}])).rejects.toThrow();
    await expect(
      batch([{ deposit: { userId: user, amount: 1 }, withdraw: { userId: user, amount: 1 } }]),
    ).rejects.toThrow();
    expect(await balances(user)).toEqual([10]);
  });

  it('role user: each item as its mutation allows (debit its own account only), decided before anything runs', async () => {
    const [own, other] = [await insertUser(t.orm, 10), await insertUser(t.orm, 10)];
    const token = await signToken({ role: 'user', sub: own });
    const refused = [
      [{ withdraw: { userId: own, amount: 1 } }, { withdraw: { userId: other, amount: 1 } }],
      [{ deposit: { userId: own, amount: 1 } }],
      [{ transfer: { fromUserId: other, toUserId: own, amount: 1 } }],
      [{ updateBalance: { userId: own, amount: 5 } }],
    ];
    for (const operations of refused) {
      await expect(batch(operations, { token })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await balances(own, other)).toEqual([10, 10]);
    const allowed = await batch(
      [{ withdraw: { userId: own, amount: 1 } }, { transfer: { fromUserId: own, toUserId: other, amount: 2 } }],
      { token },
    );
    expect(allowed.__typename).toBe('BatchApplied');
    expect(await balances(own, other)).toEqual([7, 12]);
  });

  it('the batch key replays the whole answer; other operations under it are IdempotencyKeyReused', async () => {
    const [a, b] = [await insertUser(t.orm, 10), await insertUser(t.orm, 0)];
    const operations = [
      { transfer: { fromUserId: a, toUserId: b, amount: 3 } },
      { withdraw: { userId: a, amount: 100 } },
    ];
    const first = await batch(operations, { atomic: false, idempotencyKey: 'batch-1' });
    expect(first.results!.map((r) => r.__typename)).toEqual(['TransferCompleted', 'InsufficientFunds']);
    expect(await batch(operations, { atomic: false, idempotencyKey: 'batch-1' })).toEqual(first);
    const changed = [operations[0], { withdraw: { userId: a, amount: 99 } }];
    expect(await batch(changed, { atomic: false, idempotencyKey: 'batch-1' })).toMatchObject({
      __typename: 'IdempotencyKeyReused',
    });
    expect(await batch(operations, { atomic: true, idempotencyKey: 'batch-1' })).toMatchObject({
      __typename: 'IdempotencyKeyReused',
    });
    // The key is looked at before the items: another batch under it is IdempotencyKeyReused even when one of its
    // items is refused before anything runs (found by the model fuzz).
    const selfTransfer = [{ transfer: { fromUserId: a, toUserId: a, amount: 1 } }];
    expect(await batch(selfTransfer, { idempotencyKey: 'batch-1' })).toMatchObject({
      __typename: 'IdempotencyKeyReused',
    });
    expect(await batch(selfTransfer, { idempotencyKey: 'batch-1b' })).toMatchObject({ __typename: 'BatchRefused' });
    expect(await balances(a, b)).toEqual([7, 3]);
    // Ten at once under one key (a burst of retries): applied once, ten identical answers.
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => batch([{ deposit: { userId: b, amount: 5 } }], { idempotencyKey: 'batch-2' })),
    );
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(await balances(b)).toEqual([8]);
    // An atomic batch refused as a whole is recorded too: a retry gets the same refusal, even once it would go
    // through (a first attempt that comes late must not apply after its retry was refused); a new key may.
    const withdrawNine = [{ withdraw: { userId: b, amount: 9 } }];
    const refused = await batch(withdrawNine, { idempotencyKey: 'batch-3' });
    expect(refused.__typename).toBe('BatchRefused');
    await batch([{ deposit: { userId: b, amount: 1 } }]);
    expect(await batch(withdrawNine, { idempotencyKey: 'batch-3' })).toEqual(refused);
    expect((await batch(withdrawNine, { idempotencyKey: 'batch-4' })).__typename).toBe('BatchApplied');
    // So is a batch refused while its items were prepared.
    expect(await batch(selfTransfer, { idempotencyKey: 'batch-1b' })).toMatchObject({ __typename: 'BatchRefused' });
    expect(await balances(a, b)).toEqual([7, 0]);
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });
});

describe('a batch retried while its first attempt commits', () => {
  it('finds the first attempt under the rows locks and replays it, instead of refusing what it applied', async () => {
    const payer = await insertUser(t.orm, 5);
    const blocker = new pg.Client({ connectionString: t.databaseUrl });
    const watcher = new pg.Client({ connectionString: t.databaseUrl });
    await Promise.all([blocker.connect(), watcher.connect()]);
    try {
      // Another transaction holds the payer's row: the first attempt and its retry queue behind it, in order.
      await blocker.query('begin');
      await blocker.query('select id from users where id = $1 for update', [Number(payer)]);
      /** Resolves once `n` of the service's transactions wait for a row lock. */
      const waiting = async (n: number) => {
        for (;;) {
          const { rows } = await watcher.query<{ n: string }>(
            `select count(*) as n from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
          );
          if (Number(rows[0]!.n) >= n) return;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      const operations = [{ withdraw: { userId: payer, amount: 5 } }];
      const first = batch(operations, { idempotencyKey: 'retried-while-committing' });
      await waiting(1);
      const retry = batch(operations, { idempotencyKey: 'retried-while-committing' });
      await waiting(2);
      await blocker.query('commit');
      const answers = await Promise.all([first, retry]);
      expect(answers.map((answer) => answer.__typename)).toEqual(['BatchApplied', 'BatchApplied']);
      expect(answers[1]).toEqual(answers[0]);
      expect(await balances(payer)).toEqual([0]);
    } finally {
      await Promise.all([blocker.end(), watcher.end()]);
    }
  });
});

describe('batches over two server processes on one database', () => {
  it('opposite batches and single transfers at once: exact, conserved, no deadlock, the ledger verifies', async () => {
    const cluster = await startServers(2, { AUTH_MODE: 'off' });
    try {
      const users = await Promise.all(Array.from({ length: 12 }, () => insertUser(cluster.orm, 100)));
      let seed = 11;
      const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
      const pair = () => {
        const from = random(users.length);
        return [users[from]!, users[(from + 1 + random(users.length - 1)) % users.length]!] as const;
      };
      const post = (url: string, query: string, variables: Record<string, unknown>) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query, variables }),
        }).then(
          async (r) =>
            ((await r.json()) as { data: Record<string, { __typename: string; results?: { __typename: string }[] }> })
              .data,
        );
      const batches = Array.from({ length: 40 }, (_, i) => {
        // Even batches go one way round the ring, odd ones the other: opposite lock orders if a writer got it wrong.
        const operations = Array.from({ length: 25 }, (_, j) => {
          const from = users[(i + j) % users.length]!;
          const to = users[(i + j + (i % 2 ? users.length - 1 : 1)) % users.length]!;
          return { transfer: { fromUserId: from, toUserId: to, amount: 1 + random(9) } };
        });
        return post(
          cluster.urls[i % 2]!,
          'mutation B($o: [BatchOperation!]!, $a: Boolean) { batch(operations: $o, atomic: $a) { __typename ... on BatchApplied { results { __typename } } } }',
          { o: operations, a: i % 4 < 2 },
        );
      });
      const singles = Array.from({ length: 400 }, (_, i) => {
        const [from, to] = pair();
        return post(
          cluster.urls[i % 2]!,
          'mutation T($f: ID!, $t: ID!, $a: SafeInt!) { transfer(fromUserId: $f, toUserId: $t, amount: $a) { __typename } }',
          { f: from, t: to, a: 1 + random(20) },
        );
      });
      const answers = await Promise.all([...batches, ...singles]);
      const kinds = new Set(answers.map((data) => Object.values(data)[0]!.__typename));
      expect(
        [...kinds].every((k) => ['BatchApplied', 'BatchRefused', 'TransferCompleted', 'InsufficientFunds'].includes(k)),
      ).toBe(true);
      const [totals] = await query<{ total: string; negative: string }>(
        cluster.orm,
        `select sum(balance) as total, count(*) filter (where balance < 0) as negative from users
          where id in (select jsonb_array_elements_text(?::jsonb)::integer)`,
        [JSON.stringify(users.map(Number))],
      );
      expect(totals).toEqual({ total: String(12 * 100), negative: '0' });
      expect(await ledgerViolations(cluster.orm)).toEqual([]);
      const stopped = await cluster.stop();
      expect(stopped).toEqual([0, 0]);
      const deadlocks = cluster.servers
        .flatMap((server) => server.logs)
        .filter((line) => line.msg === 'stopped')
        .reduce((sum, line) => sum + ((line['stats'] as { deadlocks?: number })?.deadlocks ?? 0), 0);
      expect(deadlocks).toBe(0);
    } finally {
      await cluster.close();
    }
  });
});
