import { GraphQLSafeInt } from 'graphql-scalars';
import { createUnionType, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CallersAccount } from '../auth/access.js';
import { BalanceError, InvalidInput } from '../common/errors.types.js';
import { User, type UserState } from '../users/user.entity.js';

@ObjectType({ description: 'The change was committed: the ledger holds it under `entryId`.' })
export class BalanceUpdated {
  @Field(() => User, {
    description: 'The user right after this change was committed (for a repeated idempotency key: as it is now).',
  })
  @CallersAccount()
  user: UserState;

  @Field(() => GraphQLSafeInt, { description: 'The change applied (negative for a withdrawal).' })
  amount: number;

  @Field(() => GraphQLSafeInt, { description: 'The balance right after this change.' })
  balance: number;

  @Field(() => ID, { description: 'The ledger entry of this change.' })
  entryId: string;

  /** Not in the schema: whether this repeats an answer given before under the same idempotency key. */
  readonly replayed: boolean;

  constructor(user: UserState, amount: number, balance: number, entryId: string, replayed = false) {
    this.user = user;
    this.amount = amount;
    this.balance = balance;
    this.entryId = entryId;
    this.replayed = replayed;
  }
}

@ObjectType({
  implements: BalanceError,
  description: 'The request would spend more than is available (the balance less the credits on hold).',
})
export class InsufficientFunds extends BalanceError {
  @Field(() => GraphQLSafeInt, { description: 'The balance at the moment the request was decided.' })
  balance: number;

  @Field(() => GraphQLSafeInt, {
    description: 'What was available at that moment: the balance less the credits on hold.',
  })
  available: number;

  @Field(() => GraphQLSafeInt, { description: 'The amount the request tried to spend or hold (positive).' })
  requested: number;

  constructor(balance: number, requested: number, available = balance) {
    super(
      'INSUFFICIENT_FUNDS',
      available === balance
        ? `Insufficient funds: balance ${balance}, requested ${requested}`
        : `Insufficient funds: balance ${balance}, available ${available}, requested ${requested}`,
    );
    this.balance = balance;
    this.available = available;
    this.requested = requested;
  }
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
  userId: string;

  @Field(() => UserSide, { nullable: true, description: 'For a transfer: which side does not exist; null otherwise.' })
  side: UserSide | null;

  constructor(userId: string, side: UserSide | null = null) {
    const who = side === UserSide.PAYEE ? 'Payee' : side === UserSide.PAYER ? 'Payer' : 'User';
    super('USER_NOT_FOUND', `${who} ${JSON.stringify(userId)} not found`);
    this.userId = userId;
    this.side = side;
  }
}

@ObjectType({
  implements: BalanceError,
  description:
    'The amount is not allowed here (zero, negative where it must be positive) or would take the balance out of range.',
})
export class InvalidAmount extends BalanceError {
  @Field(() => GraphQLSafeInt, { description: 'The amount that was refused.' })
  amount: number;

  constructor(amount: number, reason: string) {
    super('INVALID_AMOUNT', reason);
    this.amount = amount;
  }
}

@ObjectType({
  implements: BalanceError,
  description: 'Other writers kept winning the race for this user; nothing was changed and the request may be retried.',
})
export class ConcurrentUpdate extends BalanceError {
  @Field(() => ID, { description: 'The user whose balance kept changing.' })
  userId: string;

  @Field(() => Int, { description: 'How many attempts were made.' })
  attempts: number;

  constructor(userId: string, attempts: number) {
    super('CONCURRENT_UPDATE', `User ${userId} was changed concurrently ${attempts} times; retry the request`);
    this.userId = userId;
    this.attempts = attempts;
  }
}

@ObjectType({
  implements: BalanceError,
  description: 'This idempotency key was used before for this user with other parameters; nothing was changed.',
})
export class IdempotencyKeyReused extends BalanceError {
  @Field(() => String, { description: 'The key that was reused.' })
  idempotencyKey: string;

  constructor(idempotencyKey: string) {
    super(
      'IDEMPOTENCY_KEY_REUSED',
      `The idempotency key ${JSON.stringify(idempotencyKey)} was used with other parameters`,
    );
    this.idempotencyKey = idempotencyKey;
  }
}

export const UpdateBalanceResult = createUnionType({
  name: 'UpdateBalanceResult',
  description: 'The outcome of a balance change: success, or a typed business failure.',
  types: () =>
    [
      BalanceUpdated,
      InsufficientFunds,
      UserNotFound,
      InvalidAmount,
      InvalidInput,
      IdempotencyKeyReused,
      ConcurrentUpdate,
    ] as const,
});

export type UpdateBalanceResult = typeof UpdateBalanceResult;

/** Largest balance that stays exact in JavaScript numbers and GraphQL `SafeInt`. */
export const MAX_BALANCE = Number.MAX_SAFE_INTEGER;
