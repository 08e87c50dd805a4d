import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { Client as UrqlClient, cacheExchange, fetchExchange } from '@urql/core';
import { getOperationAST } from 'graphql';
import { GraphQLClient } from 'graphql-request';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BalanceChangedDocument,
  UserDocument,
  UserLedgerDocument,
  WithdrawDocument,
  type BalanceChangedSubscription,
} from '../client/index.js';
import possibleTypes from '../client/generated/possible-types.js';
import { createLiveClient } from '../client/live.js';
import { insertUser, useTestApp } from './helpers.js';

// Each client library as a frontend developer sets it up from its own documentation, against the real server.
describe('client libraries, default setups', () => {
  const t = useTestApp();
  const disposers: (() => unknown)[] = [];
  afterAll(async () => {
    for (const dispose of disposers) await dispose();
  });

  it('Apollo Client 4 with the generated possibleTypes keeps the refusal fields of the shared fragment', async () => {
    const userId = await insertUser(t.orm, 5);
    const client = new ApolloClient({
      link: new HttpLink({ uri: t.url }),
      cache: new InMemoryCache({ possibleTypes: possibleTypes.possibleTypes }),
    });
    disposers.push(() => client.stop());
    const { data } = await client.mutate({ mutation: WithdrawDocument, variables: { userId, amount: 9 } });
    expect(data?.withdraw).toMatchObject({
      __typename: 'InsufficientFunds',
      code: 'INSUFFICIENT_FUNDS',
      message: expect.any(String),
      balance: 5,
      requested: 9,
    });
    const { data: read } = await client.query({ query: UserDocument, variables: { id: userId } });
    expect(read?.user).toMatchObject({ id: userId, balance: 5 });
  });

  it('Apollo Client 4 without possibleTypes drops them (why codegen generates the file)', async () => {
    const userId = await insertUser(t.orm, 5);
    const client = new ApolloClient({ link: new HttpLink({ uri: t.url }), cache: new InMemoryCache() });
    disposers.push(() => client.stop());
    const { data } = await client.mutate({ mutation: WithdrawDocument, variables: { userId, amount: 9 } });
    expect(data?.withdraw.__typename).toBe('InsufficientFunds');
    expect((data?.withdraw as { code?: string }).code).toBeUndefined();
  });

  it('Apollo Client 4 subscribes over graphql-ws (split link) and sees a committed change', async () => {
    const userId = await insertUser(t.orm, 50);
    const ws = createLiveClient(t.url, { retryAttempts: 0 });
    disposers.push(() => ws.dispose());
    const link = ApolloLink.split(
      ({ query }) => getOperationAST(query)?.operation === 'subscription',
      new GraphQLWsLink(ws),
      new HttpLink({ uri: t.url }),
    );
    const client = new ApolloClient({ link, cache: new InMemoryCache({ possibleTypes: possibleTypes.possibleTypes }) });
    disposers.push(() => client.stop());
    const messages: BalanceChangedSubscription['balanceChanged'][] = [];
    const seen = new Promise<void>((resolve, reject) => {
      const subscription = client.subscribe({ query: BalanceChangedDocument, variables: { userId } }).subscribe({
        next: ({ data }) => {
          if (!data) return;
          messages.push(data.balanceChanged);
          if (messages.length === 1)
            void client.mutate({ mutation: WithdrawDocument, variables: { userId, amount: 8 } });
          if (messages.length === 2) {
            subscription.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    await seen;
    expect(messages).toMatchObject([
      { __typename: 'BalanceChange', balance: 50, version: 1, entry: null },
      { __typename: 'BalanceChange', balance: 42, version: 2, entry: { amount: -8, kind: 'WITHDRAWAL' } },
    ]);
  });

  it('urql 6 with its default options: queries go as GET (no content-type) and are answered', async () => {
    const userId = await insertUser(t.orm, 77);
    const sent: string[] = [];
    const client = new UrqlClient({
      url: t.url,
      exchanges: [cacheExchange, fetchExchange],
      fetch: (input, init) => {
        sent.push(init?.method ?? 'GET');
        return fetch(input, init);
      },
    });
    const read = await client.query(UserLedgerDocument, { id: userId, first: 5 }).toPromise();
    expect(read.error).toBeUndefined();
    expect(read.data?.user).toMatchObject({ balance: 77, ledger: { pageInfo: { hasPreviousPage: false } } });
    const written = await client.mutation(WithdrawDocument, { userId, amount: 7 }).toPromise();
    expect(written.data?.withdraw).toMatchObject({ __typename: 'BalanceUpdated' });
    expect(sent).toEqual(['GET', 'POST']);
  });

  it("graphql-request 7 (the scripts' client) with a plain setup", async () => {
    const userId = await insertUser(t.orm, 3);
    const client = new GraphQLClient(t.url);
    const answer = await client.request(WithdrawDocument, { userId, amount: 4 });
    expect(answer.withdraw).toMatchObject({ __typename: 'InsufficientFunds', code: 'INSUFFICIENT_FUNDS' });
  });
});

describe('browsers and CSRF (no CSRF prevention header needed for GET queries)', () => {
  const t = useTestApp();

  it('refuses the POSTs a page of another origin could send without a preflight, and changes nothing', async () => {
    const userId = await insertUser(t.orm, 10);
    const mutation = `mutation { withdraw(userId: "${userId}", amount: 1) { __typename } }`;
    for (const [type, body] of [
      ['text/plain', JSON.stringify({ query: mutation })],
      ['application/x-www-form-urlencoded', `query=${encodeURIComponent(mutation)}`],
      [
        'multipart/form-data; boundary=x',
        `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${mutation}\r\n--x--`,
      ],
    ] as const) {
      const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': type }, body });
      expect(response.status).toBe(415);
    }
    const viaGet = await fetch(`${t.url}?query=${encodeURIComponent(mutation)}`);
    expect(viaGet.status).toBe(405);
    const { user } = await t.client.graphql.request(UserDocument, { id: userId });
    expect(user).toMatchObject({ balance: 10, version: 1 });
  });
});
