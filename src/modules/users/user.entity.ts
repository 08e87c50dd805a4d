import { BigIntType } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { GraphQLDateTimeISO, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { UserState } from '../../core/user.js';
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

  @Field(() => GraphQLSafeInt, { description: 'Current balance in credits; never negative.' })
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

  @Field(() => GraphQLDateTimeISO, { description: 'When the user was created.' })
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt!: Date;

  @Field(() => GraphQLDateTimeISO, { description: 'When the balance (or the user) last changed.' })
  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt!: Date;
}
