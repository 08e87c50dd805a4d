import {
  DepositDocument,
  ResetBalanceDocument,
  SetBalanceDocument,
  UpdateBalanceDocument,
  WithdrawDocument,
  type BalanceClient,
  type UpdateBalanceMutation,
} from '../client/index.js';

/** What every balance mutation answers. */
export type BalanceResult = UpdateBalanceMutation['updateBalance'];

/** The balance mutations as plain functions over one client, each resolving to its union member. */
export function balanceMutations(client: BalanceClient) {
  const gql = client.graphql;
  return {
    update: (userId: string, amount: number, idempotencyKey?: string) =>
      gql
        .request(UpdateBalanceDocument, { userId, amount, idempotencyKey })
        .then((d): BalanceResult => d.updateBalance),
    deposit: (userId: string, amount: number, idempotencyKey?: string) =>
      gql.request(DepositDocument, { userId, amount, idempotencyKey }).then((d): BalanceResult => d.deposit),
    withdraw: (userId: string, amount: number, idempotencyKey?: string) =>
      gql.request(WithdrawDocument, { userId, amount, idempotencyKey }).then((d): BalanceResult => d.withdraw),
    reset: (userId: string, idempotencyKey?: string) =>
      gql.request(ResetBalanceDocument, { userId, idempotencyKey }).then((d): BalanceResult => d.resetBalance),
    set: (userId: string, balance: number, reason?: string, idempotencyKey?: string) =>
      gql
        .request(SetBalanceDocument, { userId, balance, reason, idempotencyKey })
        .then((d): BalanceResult => d.setBalance),
  };
}
