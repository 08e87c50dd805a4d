import { GraphQLDateTimeISO, GraphQLSafeInt } from 'graphql-scalars';
import { createUnionType, Field, ID, InterfaceType, ObjectType } from 'type-graphql';
import { CallersAccount } from '../auth/access.js';
import { BalanceError, byType, InvalidInput } from '../common/errors.types.js';
import { PageInfo } from '../common/connection.types.js';
import { User } from '../users/user.entity.js';
import { type UserState } from '../../core/user.js';
import {
  ConcurrentUpdate,
  IdempotencyKeyReused,
  VersionMismatch,
  InsufficientFunds,
  InvalidAmount,
  UserNotFound,
} from '../balance/balance.types.js';
import { Hold } from './hold.entity.js';
import { type HoldState } from '../../core/hold.js';
import { AccountClosed, AccountFrozen, LimitExceeded } from '../rules/rules.types.js';

/** What every answer that changed a hold carries. */
@InterfaceType({
  description: 'An answer that changed a hold: the hold, its user, and the ledger entry.',
  resolveType: byType,
})
export abstract class HoldChange {
  @Field(() => Hold, {
    description: 'The hold right after this change (for a repeated idempotency key: as it is now).',
  })
  hold!: HoldState;

  @Field(() => User, {
    description: 'The user right after this change (for a repeated idempotency key: as it is now).',
  })
  @CallersAccount()
  user!: UserState;

  @Field(() => ID, { description: 'The ledger entry of this change.' })
  entryId!: string;
}

@ObjectType({
  implements: HoldChange,
  description: 'The credits are reserved: `user.available` went down by `hold.amount`.',
})
export class HoldPlaced extends HoldChange {}

@ObjectType({
  implements: HoldChange,
  description:
    "The hold ended by a capture: `amount` left the balance (paid to the hold's payee, if any) and the rest of " +
    'the hold was released.',
})
export class HoldCaptured extends HoldChange {
  @Field(() => GraphQLSafeInt, { description: 'The credits taken (positive).' })
  amount!: number;

  @Field(() => User, { nullable: true, description: 'The payee right after its credit; null for a hold without one.' })
  payee!: UserState | null;

  @Field(() => ID, { nullable: true, description: "The payee's ledger entry (TRANSFER_IN); null without a payee." })
  payeeEntryId!: string | null;
}

@ObjectType({ implements: HoldChange, description: 'The hold ended by a void: all of it was released.' })
export class HoldVoided extends HoldChange {}

@ObjectType({ implements: BalanceError, description: 'No hold of this id (or not one the caller may end).' })
export class HoldNotFound extends BalanceError {
  @Field(() => ID, { description: 'The id that names no hold.' })
  holdId!: string;
}

@ObjectType({ implements: BalanceError, description: 'The hold was captured already; nothing was changed.' })
export class HoldAlreadyCaptured extends BalanceError {
  @Field(() => ID, { description: 'The hold.' })
  holdId!: string;

  @Field(() => GraphQLSafeInt, { description: 'The credits the capture took.' })
  captured!: number;
}

@ObjectType({ implements: BalanceError, description: 'The hold was voided already; nothing was changed.' })
export class HoldAlreadyVoided extends BalanceError {
  @Field(() => ID, { description: 'The hold.' })
  holdId!: string;
}

@ObjectType({
  implements: BalanceError,
  description:
    'The hold expired: its credits are released (by this request if the sweeper had not got to it yet); ' +
    'nothing was captured or voided.',
})
export class HoldExpired extends BalanceError {
  @Field(() => ID, { description: 'The hold.' })
  holdId!: string;

  @Field(() => GraphQLDateTimeISO, { description: 'When it expired.' })
  expiresAt!: Date;
}

export const HoldResult = createUnionType({
  name: 'HoldResult',
  description: 'The outcome of `hold`: the credits reserved, or a typed business failure.',
  resolveType: byType,
  types: () =>
    [
      HoldPlaced,
      InsufficientFunds,
      UserNotFound,
      InvalidAmount,
      InvalidInput,
      IdempotencyKeyReused,
      VersionMismatch,
      AccountFrozen,
      AccountClosed,
      ConcurrentUpdate,
    ] as const,
});
export type HoldResult = typeof HoldResult;

export const CaptureHoldResult = createUnionType({
  name: 'CaptureHoldResult',
  description: 'The outcome of `captureHold`: the credits taken, or a typed business failure.',
  resolveType: byType,
  types: () =>
    [
      HoldCaptured,
      HoldNotFound,
      HoldAlreadyCaptured,
      HoldAlreadyVoided,
      HoldExpired,
      InvalidAmount,
      InvalidInput,
      IdempotencyKeyReused,
      VersionMismatch,
      LimitExceeded,
      AccountClosed,
      ConcurrentUpdate,
    ] as const,
});
export type CaptureHoldResult = typeof CaptureHoldResult;

export const VoidHoldResult = createUnionType({
  name: 'VoidHoldResult',
  description: 'The outcome of `voidHold`: the hold released, or a typed business failure.',
  resolveType: byType,
  types: () =>
    [
      HoldVoided,
      HoldNotFound,
      HoldAlreadyCaptured,
      HoldAlreadyVoided,
      HoldExpired,
      InvalidInput,
      IdempotencyKeyReused,
      VersionMismatch,
      AccountClosed,
      ConcurrentUpdate,
    ] as const,
});
export type VoidHoldResult = typeof VoidHoldResult;

@ObjectType({ description: 'One hold of a page, with its cursor.' })
export class HoldEdge {
  @Field(() => String, { description: 'Pass as `after` to continue after this hold.' })
  cursor!: string;

  @Field(() => Hold, { description: 'The hold.' })
  node!: HoldState;
}

@ObjectType({ description: "A page of a user's holds, newest first." })
export class HoldConnection {
  @Field(() => [HoldEdge], { description: 'The holds of this page.' })
  edges!: HoldEdge[];

  @Field(() => PageInfo, { description: 'Where this page is in the list.' })
  pageInfo!: PageInfo;
}
