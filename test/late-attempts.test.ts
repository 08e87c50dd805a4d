import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBalanceClient, type BalanceClient } from '../client/index.js';
import { BatchDocument, DepositDocument, TransferDocument, WithdrawDocument } from '../client/generated/graphql.js';
import { insertUser, ledgerViolations, query } from './helpers.js';
import { startPausableProxy, type PausableProxy } from './pausable-proxy.js';
import { startServers, type ServerCluster } from './server-process.js';

// A client sends a keyed request to process 0, whose way to the database is cut: the request waits before it has
// read or locked anything. The client gives up and retries on process 1, which refuses it (no funds); then funds
// arrive, and process 0's way to the database heals. Its first attempt must not apply now: the client was told
// "refused". Both attempts are decided under the account's row lock, and the refusal is recorded under the key,
// so the late attempt finds it and answers it again (docs/design.md, "Idempotency keys").
describe('a first attempt that comes late, after its retry was refused', () => {
  let cluster: ServerCluster;
  let proxy: PausableProxy;
  let late: BalanceClient;
  let retry: BalanceClient;

  beforeAll(async () => {
    cluster = await startServers(2, async (i, databaseUrl): Promise<Record<string, string>> => {
      if (i > 0) return { AUTH_MODE: 'off' };
      proxy = await startPausableProxy(databaseUrl);
      return { AUTH_MODE: 'off', DATABASE_URL: proxy.url };
    });
    [late, retry] = cluster.urls.map((url) => createBalanceClient(url));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([late?.close(), retry?.close()]);
    await cluster?.close();
    await proxy?.close();
  });

  /** Runs `first` on process 0 while its database is cut off, then `then` on process 1; heals; both answers. */
  async function lateFirst<T>(first: () => Promise<T>, then: () => Promise<T>): Promise<[T, T]> {
    proxy.pause();
    const firstAnswer = first();
    firstAnswer.catch(() => undefined); // awaited below; not unhandled meanwhile
    let retried: T;
    try {
      retried = await then();
    } finally {
      proxy.resume();
    }
    return [await firstAnswer, retried];
  }

  const keyedEntries = async (key: string) => {
    const [row] = await query<{ n: string }>(
      cluster.orm,
      'select count(*) as n from ledger_entries where idempotency_key = ?',
      [key],
    );
    return Number(row!.n);
  };
  const balance = async (userId: string) => {
    const [row] = await query<{ balance: string }>(cluster.orm, 'select balance from users where id = ?', [
      Number(userId),
    ]);
    return Number(row!.balance);
  };
  const deposit = (userId: string, amount: number) => retry.graphql.request(DepositDocument, { userId, amount });

  it('a withdrawal: the late attempt answers the recorded refusal and writes nothing', async () => {
    const userId = await insertUser(cluster.orm, 0);
    const withdraw = (client: BalanceClient) =>
      client.graphql
        .request(WithdrawDocument, { userId, amount: 5, idempotencyKey: 'late-withdrawal' })
        .then((d) => d.withdraw);
    const [first, retried] = await lateFirst(
      () => withdraw(late),
      async () => {
        const refused = await withdraw(retry);
        await deposit(userId, 10);
        return refused;
      },
    );
    expect(retried).toMatchObject({ __typename: 'InsufficientFunds', balance: 0, requested: 5 });
    expect(first).toMatchObject({ __typename: 'InsufficientFunds', balance: 0, requested: 5 });
    expect(await keyedEntries('late-withdrawal')).toBe(0);
    expect(await balance(userId)).toBe(10);
  });

  it('a transfer: the same', async () => {
    const [payer, payee] = [await insertUser(cluster.orm, 0), await insertUser(cluster.orm, 0)];
    const transfer = (client: BalanceClient) =>
      client.graphql
        .request(TransferDocument, { fromUserId: payer, toUserId: payee, amount: 5, idempotencyKey: 'late-transfer' })
        .then((d) => d.transfer);
    const [first, retried] = await lateFirst(
      () => transfer(late),
      async () => {
        const refused = await transfer(retry);
        await deposit(payer, 10);
        return refused;
      },
    );
    expect(retried).toMatchObject({ __typename: 'InsufficientFunds', balance: 0, requested: 5 });
    expect(first).toMatchObject({ __typename: 'InsufficientFunds', balance: 0, requested: 5 });
    expect(await keyedEntries('late-transfer')).toBe(0);
    expect([await balance(payer), await balance(payee)]).toEqual([10, 0]);
  });

  it('an atomic batch: the late attempt answers the recorded BatchRefused and writes nothing', async () => {
    const userId = await insertUser(cluster.orm, 0);
    const operations = [{ deposit: { userId, amount: 1 } }, { withdraw: { userId, amount: 5 } }];
    const batch = (client: BalanceClient) =>
      client.graphql.request(BatchDocument, { operations, idempotencyKey: 'late-batch' }).then((d) => d.batch);
    const [first, retried] = await lateFirst(
      () => batch(late),
      async () => {
        const refused = await batch(retry);
        await deposit(userId, 10);
        return refused;
      },
    );
    expect(retried).toMatchObject({ __typename: 'BatchRefused', index: 1 });
    expect(first).toEqual(retried);
    expect(await balance(userId)).toBe(10);
    expect(await ledgerViolations(cluster.orm)).toEqual([]);
  });
});
