// node --import tsx scripts/bench/pipeline-floor.ts   (run with NODE_ENV=production, as the bench's service runs)
// The CPU floor of the GraphQL layer: the bench's mutation through the same ApolloServer configuration and schema,
// with a balance service that answers at once and no HTTP or database. What the server spends per request on
// burst beyond this, plus the bare HTTP reference's CPU, is what our own code can still save.
import 'reflect-metadata';
import { HeaderMap } from '@apollo/server';
import { loadConfig } from '../../src/config.js';
import type { RequestContext } from '../../src/context.js';
import { createApolloServer } from '../../src/http/graphql.js';
import { createLogger } from '../../src/logger.js';
import { OPEN_ACCESS } from '../../src/modules/auth/principal.js';
import type { Services } from '../../src/schema.js';
import { buildAppSchema } from '../../src/schema.js';

const MUTATION =
  'mutation Update($userId: ID!, $amount: Int!) { updateBalance(userId: $userId, amount: $amount) { __typename ... on BalanceUpdated { balance } } }';
const REQUEST_HEADERS = { host: '127.0.0.1', connection: 'keep-alive', 'content-type': 'application/json' };
const IN_FLIGHT = 100;

const now = new Date();
const user = {
  id: 1,
  username: 'demo',
  email: null,
  name: null,
  balance: 5,
  held: 0,
  version: 1,
  minBalance: 0,
  maxBalance: null,
  dailyDebitLimit: null,
  status: 'ACTIVE',
  debitedToday: 0,
  countedOn: now.toISOString().slice(0, 10),
  createdAt: now,
  updatedAt: now,
};
const balances = {
  updateBalance: (_userId: string, amount: number) =>
    Promise.resolve({ type: 'BalanceUpdated', user, amount, balance: 5, entryId: '7', replayed: false }),
};
const schema = await buildAppSchema({ balances } as unknown as Services);
const config = loadConfig({ NODE_ENV: 'production', AUTH_MODE: 'off' });
const apollo = createApolloServer(schema, config, createLogger({ logLevel: 'warn' }));
await apollo.start();

const one = async (i: number): Promise<void> => {
  const body: unknown = JSON.parse(
    JSON.stringify({ query: MUTATION, variables: { userId: '1', amount: -2 - (i % 3) } }),
  );
  const headers = new HeaderMap(Object.entries(REQUEST_HEADERS));
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'POST', headers, search: '', body },
    context: (): Promise<RequestContext> =>
      Promise.resolve({ requestId: String(i), principal: OPEN_ACCESS, outcome: {} }),
  });
  if (response.body.kind !== 'complete' || !response.body.string.includes('BalanceUpdated'))
    throw new Error(`unexpected answer: ${JSON.stringify(response.body)}`);
};

async function cpuMicrosPerRequest(requests: number): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < requests) await one(next++);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / requests;
}

await cpuMicrosPerRequest(20_000);
const runs: number[] = [];
for (let run = 0; run < 5; run++) runs.push(await cpuMicrosPerRequest(50_000));
runs.sort((a, b) => a - b);
console.log(
  `GraphQL layer CPU per request: median ${runs[2]!.toFixed(1)} us (runs: ${runs.map((r) => r.toFixed(1)).join(', ')})`,
);
await apollo.stop();
