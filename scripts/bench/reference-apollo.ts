// The two references on the stack the service is built on, each in its own process (Apollo Server 5 with its
// standalone server, the same mutations as the service):
//   stub: answers every mutation at once, touching nothing: the floor of the stack.
//   sql:  one transaction per request (reference-sql.ts, pool of 10): what a careful developer writes with
//         the same stack.
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createReferenceSql } from './reference-sql.js';

const mode = process.argv[2];
if (mode !== 'stub' && mode !== 'sql') throw new Error('usage: reference-apollo.ts stub|sql');
const sql = mode === 'sql' ? createReferenceSql(process.env.DATABASE_URL) : undefined;

const typeDefs = /* GraphQL */ `
  scalar SafeInt
  type BalanceUpdated {
    balance: SafeInt!
  }
  type InsufficientFunds {
    requested: SafeInt!
  }
  type TransferCompleted {
    amount: SafeInt!
  }
  union UpdateBalanceResult = BalanceUpdated | InsufficientFunds
  union TransferResult = TransferCompleted | InsufficientFunds
  type Query {
    ok: Boolean!
  }
  type Mutation {
    updateBalance(userId: ID!, amount: Int!): UpdateBalanceResult!
    transfer(fromUserId: ID!, toUserId: ID!, amount: SafeInt!): TransferResult!
  }
`;

const resolvers = {
  Query: { ok: () => true },
  UpdateBalanceResult: { __resolveType: (value: { result: string }) => value.result },
  TransferResult: { __resolveType: (value: { result: string }) => value.result },
  Mutation: {
    updateBalance: async (_: unknown, args: { userId: string; amount: number }) => {
      if (!sql) return { result: 'BalanceUpdated', balance: 0 };
      const answer = await sql.update(Number(args.userId), args.amount);
      return answer.result === 'BalanceUpdated' ? answer : { ...answer, requested: -args.amount };
    },
    transfer: async (_: unknown, args: { fromUserId: string; toUserId: string; amount: number }) => {
      const answer = sql
        ? await sql.transfer(Number(args.fromUserId), Number(args.toUserId), args.amount)
        : { result: 'TransferCompleted' };
      return { ...answer, amount: args.amount, requested: args.amount };
    },
  },
};

const server = new ApolloServer({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
process.stdout.write(`${JSON.stringify({ msg: 'listening', port: Number(new URL(url).port) })}\n`);
process.on('SIGTERM', () => {
  void server
    .stop()
    .then(() => sql?.end())
    .finally(() => process.exit(0));
});
