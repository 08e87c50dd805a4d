import { BigIntType, Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { GraphQLDateTimeISO, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

/** A user as the balance path sees it. */
export interface UserState {
  id: number;
  balance: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

// Every decorator names its type: tsx/esbuild emit no decorator metadata.
@ObjectType({ description: 'An account holding a balance of credits.' })
@Entity({ tableName: 'users' })
export class User {
  @Field(() => ID)
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @Field(() => GraphQLSafeInt, { description: 'Current balance in credits; never negative.' })
  @Property({ type: new BigIntType('number') })
  balance!: number;

  @Field(() => Int, { description: 'Optimistic-lock version; grows by one with every committed change.' })
  @Property({ type: 'integer', version: true })
  version!: number & Opt;

  @Field(() => GraphQLDateTimeISO)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt!: Date & Opt;

  @Field(() => GraphQLDateTimeISO)
  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt!: Date & Opt;
}
