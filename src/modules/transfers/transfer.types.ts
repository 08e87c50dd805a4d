import { GraphQLSafeInt } from 'graphql-scalars';
import { createUnionType, Field, ID, ObjectType } from 'type-graphql';
import { CallersAccount } from '../auth/access.js';
import { BalanceError, byType, InvalidInput } from '../common/errors.types.js';
import {
  ConcurrentUpdate,
  IdempotencyKeyReused,
  VersionMismatch,
  InsufficientFunds,
  InvalidAmount,
  UserNotFound,
} from '../balance/balance.types.js';
import { User } from '../users/user.entity.js';
import { type UserState } from '../../core/user.js';
import { AccountClosed, AccountFrozen, LimitExceeded } from '../rules/rules.types.js';

@ObjectType({
  description:
    'The transfer was committed: both ledger entries (TRANSFER_OUT and TRANSFER_IN) exist, sharing `transferId`.',
})
export class TransferCompleted {
  @Field(() => ID, { description: 'The id both ledger entries of this transfer carry.' })
  transferId!: string;

  @Field(() => GraphQLSafeInt, { description: 'The credits moved (positive).' })
  amount!: number;

  @Field(() => User, {
    description: 'The payer right after this transfer (for a repeated idempotency key: as it is now).',
  })
  @CallersAccount()
  from!: UserState;

  @Field(() => User, {
    description:
      'The payee right after this transfer (for a repeated idempotency key: as it is now). Role `user` may see ' +
      'only its `id`.',
  })
  to!: UserState;

  @Field(() => ID, { description: "The payer's ledger entry (TRANSFER_OUT)." })
  fromEntryId!: string;

  @Field(() => ID, { description: "The payee's ledger entry (TRANSFER_IN)." })
  toEntryId!: string;
}

@ObjectType({ implements: BalanceError, description: 'A transfer must go to another user; nothing was changed.' })
export class SelfTransfer extends BalanceError {
  @Field(() => ID, { description: 'The user named as both payer and payee.' })
  userId!: string;
}

export const TransferResult = createUnionType({
  name: 'TransferResult',
  description: 'The outcome of a transfer: success, or a typed business failure.',
  resolveType: byType,
  types: () =>
    [
      TransferCompleted,
      InsufficientFunds,
      UserNotFound,
      InvalidAmount,
      InvalidInput,
      SelfTransfer,
      IdempotencyKeyReused,
      VersionMismatch,
      LimitExceeded,
      AccountFrozen,
      AccountClosed,
      ConcurrentUpdate,
    ] as const,
});

export type TransferResult = typeof TransferResult;
