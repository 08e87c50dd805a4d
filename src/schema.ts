import 'reflect-metadata';
import {
  isInputObjectType,
  lexicographicSortSchema,
  printSchema,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { buildSchema, type ContainerType } from 'type-graphql';
import { recordOutcomes } from './http/outcome.js';
import { assertGuarded } from './modules/auth/operation-guard.js';
import { BalanceChangeResolver, feedPubSub } from './modules/live/balance-change.resolver.js';
import type { BalanceFeed } from './modules/live/balance-feed.js';
import { BalanceResolver } from './modules/balance/balance.resolver.js';
import { VersionMismatchResolver } from './modules/balance/version-mismatch.resolver.js';
import type { BalanceService } from './modules/balance/balance.service.js';
import { HoldResolver } from './modules/holds/hold.resolver.js';
import type { HoldService } from './modules/holds/hold.service.js';
import { LedgerResolver } from './modules/ledger/ledger.resolver.js';
import { TransferResolver } from './modules/transfers/transfer.resolver.js';
import type { LedgerService } from './modules/ledger/ledger.service.js';
import { BatchResolver } from './modules/batches/batch.resolver.js';
import type { BatchService } from './modules/batches/batch.service.js';
import { RulesResolver } from './modules/rules/rules.resolver.js';
import type { RulesService } from './modules/rules/rules.service.js';
import { UserResolver } from './modules/users/user.resolver.js';
import { WebhookResolver } from './modules/webhooks/webhook.resolver.js';
import type { WebhookService } from './modules/webhooks/webhook.service.js';
import type { UserService } from './modules/users/user.service.js';

export interface Services {
  users: UserService;
  balances: BalanceService;
  ledger: LedgerService;
  holds: HoldService;
  batches: BatchService;
  rules: RulesService;
  webhooks: WebhookService;
  feed: BalanceFeed;
}

const resolvers = [
  UserResolver,
  BalanceResolver,
  VersionMismatchResolver,
  TransferResolver,
  HoldResolver,
  BatchResolver,
  RulesResolver,
  LedgerResolver,
  WebhookResolver,
  BalanceChangeResolver,
] as const;

/** Builds the code-first schema; resolvers get their services through this container. */
export async function buildAppSchema(services?: Services): Promise<GraphQLSchema> {
  const instances = new Map<unknown, unknown>(
    services
      ? [
          [UserResolver, new UserResolver(services.users)],
          [BalanceResolver, new BalanceResolver(services.balances)],
          [VersionMismatchResolver, new VersionMismatchResolver(services.users)],
          [TransferResolver, new TransferResolver(services.balances)],
          [HoldResolver, new HoldResolver(services.holds)],
          [BatchResolver, new BatchResolver(services.batches)],
          [RulesResolver, new RulesResolver(services.rules)],
          [LedgerResolver, new LedgerResolver(services.ledger)],
          [WebhookResolver, new WebhookResolver(services.webhooks)],
          [BalanceChangeResolver, new BalanceChangeResolver()],
        ]
      : [],
  );
  const container: ContainerType = {
    get(resolverClass: unknown) {
      const instance = instances.get(resolverClass);
      if (!instance) throw new Error('This schema was built without services: it can be printed, not executed');
      return instance;
    },
  };
  const schema = await buildSchema({
    resolvers,
    container,
    validate: false,
    pubSub: feedPubSub(services?.feed),
  });
  describeRootTypes(schema);
  oneOfInputs(schema);
  // Every root field has its access rule and every nested field with arguments its check (operation-guard.ts).
  assertGuarded(schema);
  // Metrics: every root field records its name and result type, wrapped once here.
  recordOutcomes(schema);
  return schema;
}

/** type-graphql cannot describe the root types; every type of the schema has a description. */
function describeRootTypes(schema: GraphQLSchema): void {
  const descriptions: [GraphQLObjectType | null | undefined, string][] = [
    [schema.getQueryType(), 'Reads: users, balances, holds and the ledger.'],
    [schema.getMutationType(), 'Changes: users, balances, transfers and holds; each answers after its commit.'],
    [schema.getSubscriptionType(), 'Live updates over graphql-ws (WebSocket on the GraphQL path).'],
  ];
  for (const [type, description] of descriptions) if (type) type.description = description;
}

/** Input objects of which exactly one field is given (type-graphql cannot declare `@oneOf`). */
function oneOfInputs(schema: GraphQLSchema): void {
  const operation = schema.getType('BatchOperation');
  if (isInputObjectType(operation)) operation.isOneOf = true;
}

/** The SDL committed as schema.graphql. */
export function printAppSchema(schema: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
