/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "subscription BalanceChanged($userId: ID!) {\n  balanceChanged(userId: $userId) {\n    __typename\n    ... on BalanceChange {\n      userId\n      balance\n      version\n      at\n      entry {\n        id\n        amount\n        balanceAfter\n        kind\n        reason\n        counterpartyId\n        transferId\n      }\n    }\n    ...Refusal\n  }\n}": typeof types.BalanceChangedDocument,
    "fragment BalanceResult on UpdateBalanceResult {\n  __typename\n  ... on BalanceUpdated {\n    amount\n    balance\n    entryId\n    user {\n      id\n      balance\n      version\n    }\n  }\n  ...Refusal\n}": typeof types.BalanceResultFragmentDoc,
    "mutation CreateUser($input: CreateUserInput!) {\n  createUser(input: $input) {\n    __typename\n    ... on UserCreated {\n      user {\n        id\n        username\n        email\n        name\n        balance\n      }\n    }\n    ... on BalanceError {\n      code\n      message\n    }\n    ... on UsernameTaken {\n      username\n    }\n    ... on EmailTaken {\n      email\n    }\n    ... on InvalidInput {\n      field\n    }\n  }\n}": typeof types.CreateUserDocument,
    "mutation Deposit($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  deposit(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}": typeof types.DepositDocument,
    "query LedgerEntry($id: ID!) {\n  ledgerEntry(id: $id) {\n    id\n    amount\n    balanceAfter\n    kind\n    reason\n    createdAt\n  }\n}": typeof types.LedgerEntryDocument,
    "fragment Refusal on BalanceError {\n  code\n  message\n  ... on InsufficientFunds {\n    balance\n    requested\n  }\n  ... on UserNotFound {\n    userId\n    side\n  }\n  ... on InvalidAmount {\n    amount\n  }\n  ... on InvalidInput {\n    field\n  }\n  ... on IdempotencyKeyReused {\n    idempotencyKey\n  }\n  ... on ConcurrentUpdate {\n    userId\n    attempts\n  }\n  ... on SelfTransfer {\n    userId\n  }\n}": typeof types.RefusalFragmentDoc,
    "mutation ResetBalance($userId: ID!, $idempotencyKey: String) {\n  resetBalance(userId: $userId, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}": typeof types.ResetBalanceDocument,
    "mutation SetBalance($userId: ID!, $balance: SafeInt!, $reason: String, $idempotencyKey: String) {\n  setBalance(\n    userId: $userId\n    balance: $balance\n    reason: $reason\n    idempotencyKey: $idempotencyKey\n  ) {\n    ...BalanceResult\n  }\n}": typeof types.SetBalanceDocument,
    "mutation Transfer($fromUserId: ID!, $toUserId: ID!, $amount: SafeInt!, $idempotencyKey: String, $reason: String) {\n  transfer(\n    fromUserId: $fromUserId\n    toUserId: $toUserId\n    amount: $amount\n    idempotencyKey: $idempotencyKey\n    reason: $reason\n  ) {\n    __typename\n    ... on TransferCompleted {\n      transferId\n      amount\n      fromEntryId\n      toEntryId\n      from {\n        id\n        balance\n        version\n      }\n      to {\n        id\n        balance\n        version\n      }\n    }\n    ...Refusal\n  }\n}": typeof types.TransferDocument,
    "mutation UpdateBalance($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  updateBalance(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}": typeof types.UpdateBalanceDocument,
    "query User($id: ID!) {\n  user(id: $id) {\n    id\n    username\n    email\n    name\n    balance\n    version\n    createdAt\n    updatedAt\n  }\n}": typeof types.UserDocument,
    "query UserLedger($id: ID!, $first: Int, $after: String) {\n  user(id: $id) {\n    id\n    balance\n    ledger(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          amount\n          balanceAfter\n          kind\n          reason\n          idempotencyKey\n          counterpartyId\n          transferId\n          createdAt\n        }\n      }\n    }\n  }\n}": typeof types.UserLedgerDocument,
    "query Users($first: Int, $after: String) {\n  users(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        username\n        balance\n      }\n    }\n  }\n}": typeof types.UsersDocument,
    "mutation Withdraw($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  withdraw(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}": typeof types.WithdrawDocument,
};
const documents: Documents = {
    "subscription BalanceChanged($userId: ID!) {\n  balanceChanged(userId: $userId) {\n    __typename\n    ... on BalanceChange {\n      userId\n      balance\n      version\n      at\n      entry {\n        id\n        amount\n        balanceAfter\n        kind\n        reason\n        counterpartyId\n        transferId\n      }\n    }\n    ...Refusal\n  }\n}": types.BalanceChangedDocument,
    "fragment BalanceResult on UpdateBalanceResult {\n  __typename\n  ... on BalanceUpdated {\n    amount\n    balance\n    entryId\n    user {\n      id\n      balance\n      version\n    }\n  }\n  ...Refusal\n}": types.BalanceResultFragmentDoc,
    "mutation CreateUser($input: CreateUserInput!) {\n  createUser(input: $input) {\n    __typename\n    ... on UserCreated {\n      user {\n        id\n        username\n        email\n        name\n        balance\n      }\n    }\n    ... on BalanceError {\n      code\n      message\n    }\n    ... on UsernameTaken {\n      username\n    }\n    ... on EmailTaken {\n      email\n    }\n    ... on InvalidInput {\n      field\n    }\n  }\n}": types.CreateUserDocument,
    "mutation Deposit($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  deposit(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}": types.DepositDocument,
    "query LedgerEntry($id: ID!) {\n  ledgerEntry(id: $id) {\n    id\n    amount\n    balanceAfter\n    kind\n    reason\n    createdAt\n  }\n}": types.LedgerEntryDocument,
    "fragment Refusal on BalanceError {\n  code\n  message\n  ... on InsufficientFunds {\n    balance\n    requested\n  }\n  ... on UserNotFound {\n    userId\n    side\n  }\n  ... on InvalidAmount {\n    amount\n  }\n  ... on InvalidInput {\n    field\n  }\n  ... on IdempotencyKeyReused {\n    idempotencyKey\n  }\n  ... on ConcurrentUpdate {\n    userId\n    attempts\n  }\n  ... on SelfTransfer {\n    userId\n  }\n}": types.RefusalFragmentDoc,
    "mutation ResetBalance($userId: ID!, $idempotencyKey: String) {\n  resetBalance(userId: $userId, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}": types.ResetBalanceDocument,
    "mutation SetBalance($userId: ID!, $balance: SafeInt!, $reason: String, $idempotencyKey: String) {\n  setBalance(\n    userId: $userId\n    balance: $balance\n    reason: $reason\n    idempotencyKey: $idempotencyKey\n  ) {\n    ...BalanceResult\n  }\n}": types.SetBalanceDocument,
    "mutation Transfer($fromUserId: ID!, $toUserId: ID!, $amount: SafeInt!, $idempotencyKey: String, $reason: String) {\n  transfer(\n    fromUserId: $fromUserId\n    toUserId: $toUserId\n    amount: $amount\n    idempotencyKey: $idempotencyKey\n    reason: $reason\n  ) {\n    __typename\n    ... on TransferCompleted {\n      transferId\n      amount\n      fromEntryId\n      toEntryId\n      from {\n        id\n        balance\n        version\n      }\n      to {\n        id\n        balance\n        version\n      }\n    }\n    ...Refusal\n  }\n}": types.TransferDocument,
    "mutation UpdateBalance($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  updateBalance(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}": types.UpdateBalanceDocument,
    "query User($id: ID!) {\n  user(id: $id) {\n    id\n    username\n    email\n    name\n    balance\n    version\n    createdAt\n    updatedAt\n  }\n}": types.UserDocument,
    "query UserLedger($id: ID!, $first: Int, $after: String) {\n  user(id: $id) {\n    id\n    balance\n    ledger(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          amount\n          balanceAfter\n          kind\n          reason\n          idempotencyKey\n          counterpartyId\n          transferId\n          createdAt\n        }\n      }\n    }\n  }\n}": types.UserLedgerDocument,
    "query Users($first: Int, $after: String) {\n  users(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        username\n        balance\n      }\n    }\n  }\n}": types.UsersDocument,
    "mutation Withdraw($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  withdraw(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}": types.WithdrawDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription BalanceChanged($userId: ID!) {\n  balanceChanged(userId: $userId) {\n    __typename\n    ... on BalanceChange {\n      userId\n      balance\n      version\n      at\n      entry {\n        id\n        amount\n        balanceAfter\n        kind\n        reason\n        counterpartyId\n        transferId\n      }\n    }\n    ...Refusal\n  }\n}"): (typeof documents)["subscription BalanceChanged($userId: ID!) {\n  balanceChanged(userId: $userId) {\n    __typename\n    ... on BalanceChange {\n      userId\n      balance\n      version\n      at\n      entry {\n        id\n        amount\n        balanceAfter\n        kind\n        reason\n        counterpartyId\n        transferId\n      }\n    }\n    ...Refusal\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment BalanceResult on UpdateBalanceResult {\n  __typename\n  ... on BalanceUpdated {\n    amount\n    balance\n    entryId\n    user {\n      id\n      balance\n      version\n    }\n  }\n  ...Refusal\n}"): (typeof documents)["fragment BalanceResult on UpdateBalanceResult {\n  __typename\n  ... on BalanceUpdated {\n    amount\n    balance\n    entryId\n    user {\n      id\n      balance\n      version\n    }\n  }\n  ...Refusal\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateUser($input: CreateUserInput!) {\n  createUser(input: $input) {\n    __typename\n    ... on UserCreated {\n      user {\n        id\n        username\n        email\n        name\n        balance\n      }\n    }\n    ... on BalanceError {\n      code\n      message\n    }\n    ... on UsernameTaken {\n      username\n    }\n    ... on EmailTaken {\n      email\n    }\n    ... on InvalidInput {\n      field\n    }\n  }\n}"): (typeof documents)["mutation CreateUser($input: CreateUserInput!) {\n  createUser(input: $input) {\n    __typename\n    ... on UserCreated {\n      user {\n        id\n        username\n        email\n        name\n        balance\n      }\n    }\n    ... on BalanceError {\n      code\n      message\n    }\n    ... on UsernameTaken {\n      username\n    }\n    ... on EmailTaken {\n      email\n    }\n    ... on InvalidInput {\n      field\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Deposit($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  deposit(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}"): (typeof documents)["mutation Deposit($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  deposit(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query LedgerEntry($id: ID!) {\n  ledgerEntry(id: $id) {\n    id\n    amount\n    balanceAfter\n    kind\n    reason\n    createdAt\n  }\n}"): (typeof documents)["query LedgerEntry($id: ID!) {\n  ledgerEntry(id: $id) {\n    id\n    amount\n    balanceAfter\n    kind\n    reason\n    createdAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment Refusal on BalanceError {\n  code\n  message\n  ... on InsufficientFunds {\n    balance\n    requested\n  }\n  ... on UserNotFound {\n    userId\n    side\n  }\n  ... on InvalidAmount {\n    amount\n  }\n  ... on InvalidInput {\n    field\n  }\n  ... on IdempotencyKeyReused {\n    idempotencyKey\n  }\n  ... on ConcurrentUpdate {\n    userId\n    attempts\n  }\n  ... on SelfTransfer {\n    userId\n  }\n}"): (typeof documents)["fragment Refusal on BalanceError {\n  code\n  message\n  ... on InsufficientFunds {\n    balance\n    requested\n  }\n  ... on UserNotFound {\n    userId\n    side\n  }\n  ... on InvalidAmount {\n    amount\n  }\n  ... on InvalidInput {\n    field\n  }\n  ... on IdempotencyKeyReused {\n    idempotencyKey\n  }\n  ... on ConcurrentUpdate {\n    userId\n    attempts\n  }\n  ... on SelfTransfer {\n    userId\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ResetBalance($userId: ID!, $idempotencyKey: String) {\n  resetBalance(userId: $userId, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}"): (typeof documents)["mutation ResetBalance($userId: ID!, $idempotencyKey: String) {\n  resetBalance(userId: $userId, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SetBalance($userId: ID!, $balance: SafeInt!, $reason: String, $idempotencyKey: String) {\n  setBalance(\n    userId: $userId\n    balance: $balance\n    reason: $reason\n    idempotencyKey: $idempotencyKey\n  ) {\n    ...BalanceResult\n  }\n}"): (typeof documents)["mutation SetBalance($userId: ID!, $balance: SafeInt!, $reason: String, $idempotencyKey: String) {\n  setBalance(\n    userId: $userId\n    balance: $balance\n    reason: $reason\n    idempotencyKey: $idempotencyKey\n  ) {\n    ...BalanceResult\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Transfer($fromUserId: ID!, $toUserId: ID!, $amount: SafeInt!, $idempotencyKey: String, $reason: String) {\n  transfer(\n    fromUserId: $fromUserId\n    toUserId: $toUserId\n    amount: $amount\n    idempotencyKey: $idempotencyKey\n    reason: $reason\n  ) {\n    __typename\n    ... on TransferCompleted {\n      transferId\n      amount\n      fromEntryId\n      toEntryId\n      from {\n        id\n        balance\n        version\n      }\n      to {\n        id\n        balance\n        version\n      }\n    }\n    ...Refusal\n  }\n}"): (typeof documents)["mutation Transfer($fromUserId: ID!, $toUserId: ID!, $amount: SafeInt!, $idempotencyKey: String, $reason: String) {\n  transfer(\n    fromUserId: $fromUserId\n    toUserId: $toUserId\n    amount: $amount\n    idempotencyKey: $idempotencyKey\n    reason: $reason\n  ) {\n    __typename\n    ... on TransferCompleted {\n      transferId\n      amount\n      fromEntryId\n      toEntryId\n      from {\n        id\n        balance\n        version\n      }\n      to {\n        id\n        balance\n        version\n      }\n    }\n    ...Refusal\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateBalance($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  updateBalance(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}"): (typeof documents)["mutation UpdateBalance($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  updateBalance(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query User($id: ID!) {\n  user(id: $id) {\n    id\n    username\n    email\n    name\n    balance\n    version\n    createdAt\n    updatedAt\n  }\n}"): (typeof documents)["query User($id: ID!) {\n  user(id: $id) {\n    id\n    username\n    email\n    name\n    balance\n    version\n    createdAt\n    updatedAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UserLedger($id: ID!, $first: Int, $after: String) {\n  user(id: $id) {\n    id\n    balance\n    ledger(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          amount\n          balanceAfter\n          kind\n          reason\n          idempotencyKey\n          counterpartyId\n          transferId\n          createdAt\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query UserLedger($id: ID!, $first: Int, $after: String) {\n  user(id: $id) {\n    id\n    balance\n    ledger(first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n      edges {\n        cursor\n        node {\n          id\n          amount\n          balanceAfter\n          kind\n          reason\n          idempotencyKey\n          counterpartyId\n          transferId\n          createdAt\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Users($first: Int, $after: String) {\n  users(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        username\n        balance\n      }\n    }\n  }\n}"): (typeof documents)["query Users($first: Int, $after: String) {\n  users(first: $first, after: $after) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        username\n        balance\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Withdraw($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  withdraw(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}"): (typeof documents)["mutation Withdraw($userId: ID!, $amount: Int!, $idempotencyKey: String) {\n  withdraw(userId: $userId, amount: $amount, idempotencyKey: $idempotencyKey) {\n    ...BalanceResult\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;