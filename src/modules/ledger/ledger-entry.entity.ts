import { BigIntType, type Ref } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { GraphQLDateTimeISO, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { LedgerEntryKind } from '../../core/ledger.js';
import { User } from '../users/user.entity.js';

registerEnumType(LedgerEntryKind, {
  name: 'LedgerEntryKind',
  description: 'What made a ledger entry.',
  valuesConfig: {
    UPDATE: { description: 'updateBalance' },
    DEPOSIT: { description: 'deposit' },
    WITHDRAWAL: { description: 'withdraw' },
    RESET: { description: 'resetBalance' },
    SET: { description: 'setBalance from an external source' },
    GRANT: { description: 'the daily credit grant' },
    INITIAL: { description: 'the opening balance of a user' },
    TRANSFER_OUT: { description: "transfer: the payer's side (negative amount)" },
    TRANSFER_IN: { description: "transfer or a hold captured for a payee: the payee's side (positive amount)" },
    HOLD: { description: 'hold: credits reserved (amount 0; `heldAfter` grows by the hold)' },
    CAPTURE: { description: 'captureHold: the credits taken (negative amount); the hold ends' },
    VOID: { description: 'voidHold: the hold released (amount 0); the hold ends' },
    EXPIRY: { description: 'the hold released because it expired (amount 0); the hold ends' },
    LIMITS: { description: "setLimits: the account's limits changed (amount 0; see User.ruleChanges)" },
    STATUS: { description: "setAccountStatus: the account's status changed (amount 0; see User.ruleChanges)" },
  },
});

/** One committed change of one balance. Rows are only ever inserted (a trigger refuses updates and deletes). */
@ObjectType({ description: 'One committed change of one balance; entries are never changed or removed.' })
@Entity({ tableName: 'ledger_entries' })
@Index({ properties: ['user', 'id'] })
export class LedgerEntry {
  @Field(() => ID, { description: 'The entry id; ids grow with commit order per user.' })
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @ManyToOne(() => User, { ref: true, fieldName: 'user_id' })
  user!: Ref<User>;

  @Field(() => GraphQLSafeInt, { description: 'The change (negative for a withdrawal).' })
  @Property({ type: new BigIntType('number') })
  amount!: number;

  @Field(() => GraphQLSafeInt, { description: 'The balance right after this change.' })
  @Property({ type: new BigIntType('number') })
  balanceAfter!: number;

  @Field(() => LedgerEntryKind, { description: 'What made this entry.' })
  @Property({ type: 'text' })
  kind!: LedgerEntryKind;

  @Field(() => String, { nullable: true, description: 'Why, as the caller gave it; null when none was given.' })
  @Property({ type: 'text', nullable: true })
  reason!: string | null;

  @Field(() => String, { nullable: true, description: 'The idempotency key the change was made with, if any.' })
  @Property({ type: 'text', nullable: true })
  idempotencyKey!: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'For a transfer: the other user (the payee of a TRANSFER_OUT, the payer of a TRANSFER_IN).',
  })
  @Property({ type: 'integer', nullable: true, fieldName: 'counterparty_id' })
  counterpartyId!: number | null;

  @Field(() => ID, { nullable: true, description: 'For a transfer: the id its two entries share.' })
  @Property({ type: 'uuid', nullable: true })
  transferId!: string | null;

  @Field(() => GraphQLSafeInt, {
    description: "The user's credits on hold right after this change; `balanceAfter - heldAfter` was available.",
  })
  @Property({ type: new BigIntType('number') })
  heldAfter!: number;

  @Field(() => ID, { nullable: true, description: 'For HOLD, CAPTURE, VOID and EXPIRY entries: the hold.' })
  @Property({ type: new BigIntType('number'), nullable: true })
  holdId!: number | null;

  @Field(() => GraphQLDateTimeISO, { description: 'When the transaction that wrote it began.' })
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt!: Date;
}
