import { GraphQLDateTimeISO, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { UserState } from '../../core/user.js';
import { CallersAccount } from '../auth/access.js';
import { BalanceError } from '../common/errors.types.js';
import { User } from '../users/user.entity.js';
import { AccountStatus } from './account-status.js';

/** Which limit a LimitExceeded is about. */
export enum LimitKind {
  MAX_BALANCE = 'MAX_BALANCE',
  DAILY_DEBIT = 'DAILY_DEBIT',
}

registerEnumType(LimitKind, {
  name: 'LimitKind',
  description: 'Which limit of an account a request would pass.',
  valuesConfig: {
    MAX_BALANCE: { description: '`maxBalance`: the highest balance a credit may reach' },
    DAILY_DEBIT: { description: '`dailyDebitLimit`: the most debits may take in one UTC day' },
  },
});

@InputType({
  description: 'Limits to set; an omitted field stays as it is, null removes the limit (minBalance: back to 0).',
})
export class LimitsInput {
  @Field(() => GraphQLSafeInt, {
    nullable: true,
    description:
      'The lowest the available balance (balance - held) may be taken by spending; negative: a credit line of that ' +
      'size. Default 0.',
  })
  minBalance?: number | null;

  @Field(() => GraphQLSafeInt, {
    nullable: true,
    description: 'The highest balance a credit may reach (at least 0 and at least minBalance); null: none.',
  })
  maxBalance?: number | null;

  @Field(() => GraphQLSafeInt, {
    nullable: true,
    description:
      'The most that debits (withdrawals, transfers out, captures) may take in one UTC day (at least 0); null: none.',
  })
  dailyDebitLimit?: number | null;
}

@ObjectType({ description: "An account's limits, and what counts against the daily one today." })
export class AccountLimits {
  @Field(() => GraphQLSafeInt, {
    description: 'The lowest the available balance may be taken by spending (negative: a credit line).',
  })
  minBalance!: number;

  @Field(() => GraphQLSafeInt, { nullable: true, description: 'The highest balance a credit may reach; null: none.' })
  maxBalance!: number | null;

  @Field(() => GraphQLSafeInt, {
    nullable: true,
    description: 'The most debits may take in one UTC day; null: none.',
  })
  dailyDebitLimit!: number | null;

  @Field(() => GraphQLSafeInt, { description: 'What debits took so far today (UTC, by the database clock).' })
  debitedToday!: number;
}

@ObjectType({ description: "One change of an account's limits or status, as recorded in its ledger." })
export class AccountRuleChange {
  @Field(() => ID, { description: 'The ledger entry of the change (kind LIMITS or STATUS, amount 0).' })
  entryId!: string;

  @Field(() => String, { description: 'Who made it: the role, and the token subject when there is one.' })
  actor!: string;

  @Field(() => GraphQLDateTimeISO, { description: 'When it was committed.' })
  at!: Date;

  @Field(() => AccountLimits, { description: 'The limits after the change (`debitedToday`: 0, not recorded).' })
  limits!: AccountLimits;

  @Field(() => AccountStatus, { description: 'The status after the change.' })
  status!: AccountStatus;

  @Field(() => String, { nullable: true, description: 'Why, for a status change (as given).' })
  reason!: string | null;
}

@ObjectType({ description: "The account's limits were changed (a LIMITS ledger entry records it)." })
export class LimitsSet {
  @Field(() => User, { description: 'The account right after the change.' })
  @CallersAccount()
  user!: UserState;

  @Field(() => ID, { description: 'The ledger entry of the change.' })
  entryId!: string;
}

@ObjectType({ description: "The account's status was changed (a STATUS ledger entry records it)." })
export class AccountStatusSet {
  @Field(() => User, { description: 'The account right after the change.' })
  @CallersAccount()
  user!: UserState;

  @Field(() => ID, { description: 'The ledger entry of the change.' })
  entryId!: string;
}

@ObjectType({
  implements: BalanceError,
  description: 'The request would pass a limit of the account (its maximum balance, or its daily debit limit).',
})
export class LimitExceeded extends BalanceError {
  @Field(() => ID, { description: 'The account whose limit it is (for a transfer, possibly the payee).' })
  userId!: string;

  @Field(() => LimitKind, { description: 'Which limit.' })
  limit!: LimitKind;

  @Field(() => GraphQLSafeInt, { description: 'The limit.' })
  limitAmount!: number;

  @Field(() => GraphQLSafeInt, {
    description: 'What counts against it already: the balance (MAX_BALANCE), or what debits took today (DAILY_DEBIT).',
  })
  used!: number;

  @Field(() => GraphQLSafeInt, { description: 'What the request would add (positive).' })
  requested!: number;
}

@ObjectType({
  implements: BalanceError,
  description: 'The account is frozen: it takes credits and hold endings, not new debits or holds.',
})
export class AccountFrozen extends BalanceError {
  @Field(() => ID, { description: 'The frozen account.' })
  userId!: string;
}

@ObjectType({ implements: BalanceError, description: 'The account is closed: it takes no change at all.' })
export class AccountClosed extends BalanceError {
  @Field(() => ID, { description: 'The closed account (for a transfer, possibly the payee).' })
  userId!: string;
}

@ObjectType({
  implements: BalanceError,
  description: 'An account is closed only with a balance of 0 and nothing on hold.',
})
export class AccountNotEmpty extends BalanceError {
  @Field(() => ID, { description: 'The account.' })
  userId!: string;

  @Field(() => GraphQLSafeInt, { description: 'Its balance when the request was decided.' })
  balance!: number;

  @Field(() => GraphQLSafeInt, { description: 'Its credits on hold when the request was decided.' })
  held!: number;
}
