import { GraphQLDateTimeISO, GraphQLSafeInt } from 'graphql-scalars';
import { createUnionType, Field, ID, Int, ObjectType } from 'type-graphql';
import { LedgerEntry } from '../ledger/ledger-entry.entity.js';
import { type LedgerEntryState } from '../../core/ledger.js';
import { UserNotFound } from '../balance/balance.types.js';
import { AccountStatus } from '../rules/account-status.js';
import type { AccountStatus as Status } from '../../core/user.js';

/** A balance as a subscriber is told of it (see BalanceChange). */
export interface BalanceChangeState {
  userId: number;
  balance: number;
  /** Credits on hold, and what is available: `balance - held - minBalance`. */
  held: number;
  available: number;
  status: Status;
  version: number;
  /** The change that made `version`; null when this is the current state rather than one change. */
  entry: LedgerEntryState | null;
  at: Date;
}

@ObjectType({
  description:
    "A user's balance as committed. With `entry`: the one committed change that made this `version`. Without: the " +
    'current state, sent first on subscribing, again after the server lost and regained its database ' +
    'notifications, and in place of changes a slow subscriber could not take in time. Versions only grow: a ' +
    'message whose `version` is not one above the previous one means changes in between were not sent.',
})
export class BalanceChange {
  @Field(() => ID, { description: 'The user.' })
  userId!: number;

  @Field(() => GraphQLSafeInt, { description: 'The balance after this change (or now, without `entry`).' })
  balance!: number;

  @Field(() => GraphQLSafeInt, { description: 'The credits on hold after this change (or now, without `entry`).' })
  held!: number;

  @Field(() => GraphQLSafeInt, {
    description:
      'What is available to spend after this change (or now): `balance` less `held` less `limits.minBalance`.',
  })
  available!: number;

  @Field(() => AccountStatus, { description: "The account's status after this change (or now)." })
  status!: Status;

  @Field(() => Int, { description: "The user's version after this change; one committed change adds one." })
  version!: number;

  @Field(() => LedgerEntry, {
    nullable: true,
    description: 'The ledger entry of this change (amount, kind, reason, counterparty); null for a current state.',
  })
  entry!: LedgerEntryState | null;

  @Field(() => GraphQLDateTimeISO, {
    description:
      "When the change's transaction began (its ledger time), or the user's last change for a current state.",
  })
  at!: Date;
}

export const BalanceChangedResult = createUnionType({
  name: 'BalanceChangedResult',
  description: 'One message of `balanceChanged`: a committed balance, or UserNotFound (then the stream ends).',
  types: () => [BalanceChange, UserNotFound] as const,
  // A state has no `type`: only UserNotFound is tagged.
  resolveType: (value) => ((value as { type?: string }).type === 'UserNotFound' ? 'UserNotFound' : 'BalanceChange'),
});
