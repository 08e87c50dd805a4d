import { BigIntType } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { GraphQLDateTimeISO, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { AccountStatus as Status, UserState } from '../../core/user.js';
import { AccountStatus } from '../rules/account-status.js';
import { AccountType } from '../auth/access.js';

// Every decorator names its type: tsx/esbuild emit no decorator metadata.
@ObjectType({
  description: 'An account holding a balance of credits. Role `user` sees of another user only its `id`.',
})
@AccountType(['id'])
@Entity({ tableName: 'users' })
export class User implements UserState {
  @Field(() => ID, { description: 'The user id (a positive whole number as a string).' })
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Field(() => String, { description: 'Unique, case-insensitively; 3-32 letters, digits, `_` or `-`.' })
  @Property({ type: 'text' })
  username!: string;

  @Field(() => String, { nullable: true, description: 'Contact email, unique case-insensitively; null if none.' })
  @Property({ type: 'text', nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true, description: 'Display name; null if none.' })
  @Property({ type: 'text', nullable: true })
  name!: string | null;

  @Field(() => GraphQLSafeInt, {
    description: 'Current balance in credits; negative only on a credit line (`limits.minBalance` below 0).',
  })
  @Property({ type: new BigIntType('number') })
  balance!: number;

  @Field(() => GraphQLSafeInt, { description: 'Credits reserved by open holds; part of `balance`, not available.' })
  @Property({ type: new BigIntType('number') })
  held!: number;

  @Field(() => Int, {
    description: 'Optimistic-lock version; grows by one with every committed change (and hold event).',
  })
  @Property({ type: 'integer', version: true })
  version!: number;

  // The limits: shown as `limits` (rules.resolver.ts).
  @Property({ type: new BigIntType('number') })
  minBalance!: number;

  @Property({ type: new BigIntType('number'), nullable: true })
  maxBalance!: number | null;

  @Property({ type: new BigIntType('number'), nullable: true })
  dailyDebitLimit!: number | null;

  @Field(() => AccountStatus, { description: 'Whether the account takes changes: ACTIVE, FROZEN or CLOSED.' })
  @Property({ type: 'text' })
  status!: Status;

  /** Read with the row: today's debits, counted on `countedOn` (not columns of their own). */
  debitedToday!: number;
  countedOn!: string | null;

  @Field(() => GraphQLDateTimeISO, { description: 'When the user was created.' })
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt!: Date;

  @Field(() => GraphQLDateTimeISO, { description: 'When the balance (or the user) last changed.' })
  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt!: Date;
}
