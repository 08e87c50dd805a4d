import { GraphQLSafeInt } from 'graphql-scalars';
import { createUnionType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CallersAccount } from '../auth/access.js';
import { BalanceError, byType, InvalidInput } from '../common/errors.types.js';
import { User } from '../users/user.entity.js';
import { type UserState } from '../../core/user.js';
import { AccountClosed, AccountFrozen, LimitExceeded } from '../rules/rules.types.js';

@ObjectType({ description: 'The change was committed: the ledger holds it under `entryId`.' })
export class BalanceUpdated {
  @Field(() => User, {
    description: 'The user right after this change was committed (for a repeated idempotency key: as it is now).',
  })
  @CallersAccount()
  user!: UserState;

  @Field(() => GraphQLSafeInt, { description: 'The change applied (negative for a withdrawal).' })
  amount!: number;

  @Field(() => GraphQLSafeInt, { description: 'The balance right after this change.' })
  balance!: number;

  @Field(() => ID, { description: 'The ledger entry of this change.' })
  entryId!: string;
}

@ObjectType({
  implements: BalanceError,
  description: 'The request would spend more than is available (the balance less the credits on hold).',
})
export class InsufficientFunds extends BalanceError {
  @Field(() => GraphQLSafeInt, { description: 'The balance at the moment the request was decided.' })
  balance!: number;

  @Field(() => GraphQLSafeInt, {
    description: 'What was available at that moment: the balance less the credits on hold.',
  })
  available!: number;

  @Field(() => GraphQLSafeInt, { description: 'The amount the request tried to spend or hold (positive).' })
  requested!: number;
}

/** Which side of a transfer a result is about. */
export enum UserSide {
  PAYER = 'PAYER',
  PAYEE = 'PAYEE',
}

registerEnumType(UserSide, {
  name: 'UserSide',
  description: 'Which side of a transfer a result is about.',
  valuesConfig: {
    PAYER: { description: 'the user the credits come from (fromUserId)' },
    PAYEE: { description: 'the user the credits go to (toUserId)' },
  },
});

@ObjectType({ implements: BalanceError, description: 'No user has this id.' })
export class UserNotFound extends BalanceError {
  @Field(() => ID, { description: 'The id that names no user.' })
  userId!: string;

  @Field(() => UserSide, { nullable: true, description: 'For a transfer: which side does not exist; null otherwise.' })
  side!: UserSide | null;
}

@ObjectType({
  implements: BalanceError,
  description:
    'The amount is not allowed here (zero, negative where it must be positive) or would take the balance out of range.',
})
export class InvalidAmount extends BalanceError {
  @Field(() => GraphQLSafeInt, { description: 'The amount that was refused.' })
  amount!: number;
}

@ObjectType({
  implements: BalanceError,
  description: 'Other writers kept winning the race for this user; nothing was changed and the request may be retried.',
})
export class ConcurrentUpdate extends BalanceError {
  @Field(() => ID, { description: 'The user whose balance kept changing.' })
  userId!: string;

  @Field(() => Int, { description: 'How many attempts were made.' })
  attempts!: number;
}

@ObjectType({
  implements: BalanceError,
  description: 'This idempotency key was used before for this user with other parameters; nothing was changed.',
})
export class IdempotencyKeyReused extends BalanceError {
  @Field(() => String, { description: 'The key that was reused.' })
  idempotencyKey!: string;
}

@ObjectType({
  implements: BalanceError,
  description:
    'The account was not at the version the request expected (`expectedVersion`): it changed since the caller ' +
    'read it. Nothing was written; review the balance and retry with the new version.',
})
export class VersionMismatch extends BalanceError {
  @Field(() => ID, { description: 'The account whose version differs.' })
  userId!: string;
  @Field(() => Int, { description: 'The version the request expected.' })
  expectedVersion!: number;
  @Field(() => Int, { description: "The account's version when the request was decided." })
  actualVersion!: number;
}

export const UpdateBalanceResult = createUnionType({
  name: 'UpdateBalanceResult',
  description: 'The outcome of a balance change: success, or a typed business failure.',
  resolveType: byType,
  types: () =>
    [
      BalanceUpdated,
      InsufficientFunds,
      UserNotFound,
      InvalidAmount,
      InvalidInput,
      IdempotencyKeyReused,
      VersionMismatch,
      LimitExceeded,
      AccountFrozen,
      AccountClosed,
      ConcurrentUpdate,
    ] as const,
});

export type UpdateBalanceResult = typeof UpdateBalanceResult;
