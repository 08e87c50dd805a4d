import { BigIntType } from '@mikro-orm/core';
import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { GraphQLDateTimeISO, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { HoldStatus } from '../../core/hold.js';

registerEnumType(HoldStatus, {
  name: 'HoldStatus',
  description: 'Where a hold stands: open, or ended in exactly one way.',
  valuesConfig: {
    OPEN: { description: 'the credits are reserved: not available to spend, still part of the balance' },
    CAPTURED: { description: 'ended by captureHold: `captured` credits were taken, the rest released' },
    VOIDED: { description: 'ended by voidHold: everything released' },
    EXPIRED: { description: 'ended by its expiry: everything released' },
  },
});

// Every decorator names its type: tsx/esbuild emit no decorator metadata.
@ObjectType({
  description:
    "Credits reserved on a user's balance until they are captured (taken), voided (released) or the hold " +
    'expires (released). Each hold ends exactly once; every event is a ledger entry naming it.',
})
@Entity({ tableName: 'holds' })
export class Hold {
  @Field(() => ID, { description: 'The hold id.' })
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @Field(() => ID, { description: 'The user whose credits are held.' })
  @PrimaryKey({ type: 'integer', fieldName: 'user_id' })
  userId!: number;

  @Field(() => ID, { nullable: true, description: 'Who a capture pays (a transfer to this user); null: nobody.' })
  @Property({ type: 'integer', nullable: true, fieldName: 'payee_id' })
  payeeId!: number | null;

  @Field(() => GraphQLSafeInt, { description: 'The credits held.' })
  @Property({ type: new BigIntType('number') })
  amount!: number;

  @Field(() => HoldStatus, { description: 'Open, or how it ended.' })
  @Property({ type: 'text' })
  status!: HoldStatus;

  @Field(() => GraphQLSafeInt, { nullable: true, description: 'For a captured hold: the credits taken.' })
  @Property({ type: new BigIntType('number'), nullable: true })
  captured!: number | null;

  @Field(() => String, { nullable: true, description: 'Why, as the caller gave it; null when none was given.' })
  @Property({ type: 'text', nullable: true })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: 'The idempotency key the hold was made with, if any.' })
  @Property({ type: 'text', nullable: true })
  idempotencyKey!: string | null;

  @Field(() => GraphQLDateTimeISO, { description: 'When an open hold is released by itself.' })
  @Property({ type: 'datetime' })
  expiresAt!: Date;

  @Field(() => GraphQLDateTimeISO, { description: 'When the hold was made.' })
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt!: Date;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: 'When the hold ended; null while open.' })
  @Property({ type: 'datetime', nullable: true })
  endedAt!: Date | null;
}
