import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchDocument,
  createBalanceClient,
  DepositDocument,
  HoldDocument,
  TransferDocument,
  UpdateBalanceDocument,
  VoidHoldDocument,
  WithdrawDocument,
  type BalanceClient,
  type BatchOperation,
} from '../client/index.js';
import { insertUser, ledgerViolations, query, useTestApp } from './helpers.js';
import { startServers, type ServerCluster } from './server-process.js';

// Compare-and-set (issue 23): `expectedVersion` on every balance mutation and batch item applies the request only
// if the account is at that version when it is decided (under its row lock), else VersionMismatch, nothing written.

const t = useTestApp();

const versionOf = async (orm: typeof t.orm, userId: string) => {
  const [row] = await query<{ version: number; balance: string }>(
    orm,
    'select version, balance from users where id = ?',
    [Number(userId)],
  );
  return { version: row!.version, balance: Number(row!.balance) };
};
const entries = async (userId: string) => {
  const [row] = await query<{ n: string }>(t.orm, 'select count(*) as n from ledger_entries where user_id = ?', [
    Number(userId),
  ]);
  return Number(row!.n);
};

describe('expectedVersion', () => {
  it('applies at the expected version; at another answers VersionMismatch with the account as it is, writes nothing', async () => {
    const userId = await insertUser(t.orm, 100);
    const { version } = await versionOf(t.orm, userId);
    const withdraw = (amount: number, expectedVersion?: number, idempotencyKey?: string) =>
      t.client.graphql
        .request(WithdrawDocument, { userId, amount, expectedVersion, idempotencyKey })
        .then((d) => d.withdraw);
    expect(await withdraw(10, version)).toMatchObject({
      __typename: 'BalanceUpdated',
      balance: 90,
      user: { version: version + 1 },
    });
    const before = await entries(userId);
    // The page showed `version`; the account moved on.
    expect(await withdraw(10, version)).toEqual({
      __typename: 'VersionMismatch',
      code: 'VERSION_MISMATCH',
      message: `User ${userId} is at version ${version + 1}, not ${version}: review the balance and retry`,
      userId,
      expectedVersion: version,
      actualVersion: version + 1,
      user: { id: userId, balance: 90, available: 90, version: version + 1 },
    });
    expect(await entries(userId)).toBe(before);
    // Checked before the funds: a mismatch is what the caller must review first.
    expect(await withdraw(1000, version)).toMatchObject({ __typename: 'VersionMismatch' });
    expect(await withdraw(1000, version + 1)).toMatchObject({ __typename: 'InsufficientFunds' });
    // Without it, as always.
    expect(await withdraw(10)).toMatchObject({ __typename: 'BalanceUpdated', balance: 80 });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('is part of the request under an idempotency key; a mismatch is recorded under it like any refusal', async () => {
    const userId = await insertUser(t.orm, 100);
    const { version } = await versionOf(t.orm, userId);
    const update = (amount: number, expectedVersion: number | undefined, idempotencyKey: string) =>
      t.client.graphql
        .request(UpdateBalanceDocument, { userId, amount, expectedVersion, idempotencyKey })
        .then((d) => d.updateBalance);
    const first = await update(-5, version, 'cas-1');
    expect(first).toMatchObject({ __typename: 'BalanceUpdated', balance: 95 });
    expect(await update(-5, version, 'cas-1')).toMatchObject({ __typename: 'BalanceUpdated', balance: 95 });
    expect(await update(-5, version + 1, 'cas-1')).toMatchObject({ __typename: 'IdempotencyKeyReused' });
    expect(await update(-5, undefined, 'cas-1')).toMatchObject({ __typename: 'IdempotencyKeyReused' });
    expect(await update(-5, version, 'cas-2')).toMatchObject({ __typename: 'VersionMismatch' });
    await t.client.graphql.request(DepositDocument, { userId, amount: 1 });
    // The repeat is the recorded refusal, even now that the version would not match either way.
    expect(await update(-5, version, 'cas-2')).toMatchObject({
      __typename: 'VersionMismatch',
      actualVersion: version + 1,
    });
  });

  it('a negative expected version is InvalidInput; a transfer checks the payer, a void the hold user', async () => {
    const [payer, payee] = [await insertUser(t.orm, 50), await insertUser(t.orm, 0)];
    const transfer = (expectedVersion: number) =>
      t.client.graphql
        .request(TransferDocument, { fromUserId: payer, toUserId: payee, amount: 5, expectedVersion })
        .then((d) => d.transfer);
    expect(await transfer(-1)).toMatchObject({ __typename: 'InvalidInput', field: 'expectedVersion' });
    const payeeVersion = (await versionOf(t.orm, payee)).version;
    expect(await transfer(payeeVersion + 7)).toMatchObject({ __typename: 'VersionMismatch', userId: payer });
    const { version } = await versionOf(t.orm, payer);
    expect(await transfer(version)).toMatchObject({ __typename: 'TransferCompleted' });
    const placed = await t.client.graphql.request(HoldDocument, { userId: payer, amount: 5, expiresIn: 60 });
    if (placed.hold.__typename !== 'HoldPlaced') throw new Error(placed.hold.__typename);
    const holdId = placed.hold.hold.id;
    const after = (await versionOf(t.orm, payer)).version;
    const voided = (expectedVersion: number) =>
      t.client.graphql.request(VoidHoldDocument, { holdId, expectedVersion }).then((d) => d.voidHold);
    expect(await voided(after - 1)).toMatchObject({ __typename: 'VersionMismatch', actualVersion: after });
    expect(await voided(after)).toMatchObject({ __typename: 'HoldVoided' });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });

  it('in a batch, an item expects the version the items before left (one version per entry)', async () => {
    const [a, b] = [await insertUser(t.orm, 10), await insertUser(t.orm, 10)];
    const { version } = await versionOf(t.orm, a);
    const batch = (operations: BatchOperation[], atomic = true) =>
      t.client.graphql.request(BatchDocument, { operations, atomic }).then((d) => d.batch);
    // a: deposit (version + 1), a pays b (version + 2), then a withdrawal expecting version + 2.
    const applied = await batch([
      { deposit: { userId: a, amount: 5 } },
      { transfer: { fromUserId: a, toUserId: b, amount: 3, expectedVersion: version + 1 } },
      { withdraw: { userId: a, amount: 2, expectedVersion: version + 2 } },
    ]);
    expect(applied).toMatchObject({ __typename: 'BatchApplied' });
    expect(await versionOf(t.orm, a)).toEqual({ version: version + 3, balance: 10 });
    // A credit from another account's item counts too: b was paid above, and again here before its own item.
    const bVersion = (await versionOf(t.orm, b)).version;
    const refused = await batch([
      { transfer: { fromUserId: a, toUserId: b, amount: 1 } },
      { withdraw: { userId: b, amount: 1, expectedVersion: bVersion } },
    ]);
    expect(refused).toMatchObject({
      __typename: 'BatchRefused',
      index: 1,
      results: [
        { __typename: 'NotApplied' },
        { __typename: 'VersionMismatch', expectedVersion: bVersion, actualVersion: bVersion + 1 },
      ],
    });
    expect(await versionOf(t.orm, b)).toEqual({ version: bVersion, balance: 13 });
    expect(await ledgerViolations(t.orm)).toEqual([]);
  });
});

describe('expectedVersion over three server processes', () => {
  let cluster: ServerCluster;
  let clients: BalanceClient[];
  beforeAll(async () => {
    cluster = await startServers(3, { AUTH_MODE: 'off' });
    clients = cluster.urls.map((url) => createBalanceClient(url));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cluster.close();
  });

  it('100 requests at once on one version: exactly one applies, 99 are VersionMismatch', async () => {
    const userId = await insertUser(cluster.orm, 1000);
    const { version } = await versionOf(cluster.orm, userId);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        clients[i % 3]!.graphql.request(WithdrawDocument, { userId, amount: 1, expectedVersion: version }).then(
          (d) => d.withdraw.__typename,
        ),
      ),
    );
    const counts = answers.reduce<Record<string, number>>((c, a) => ({ ...c, [a]: (c[a] ?? 0) + 1 }), {});
    expect(counts).toEqual({ BalanceUpdated: 1, VersionMismatch: 99 });
    expect(await versionOf(cluster.orm, userId)).toEqual({ version: version + 1, balance: 999 });
    expect(await ledgerViolations(cluster.orm)).toEqual([]);
  });
});
