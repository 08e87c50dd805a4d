import { GraphQLSafeInt } from 'graphql-scalars';
import { createUnionType, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import {
  IdempotencyKeyReused,
  InsufficientFunds,
  VersionMismatch,
  InvalidAmount,
  UserNotFound,
  BalanceUpdated,
} from '../balance/balance.types.js';
import { byType, InvalidInput } from '../common/errors.types.js';
import { expectedVersionArg } from '../common/expected-version.js';
import {
  HoldAlreadyCaptured,
  HoldAlreadyVoided,
  HoldCaptured,
  HoldExpired,
  HoldNotFound,
  HoldPlaced,
  HoldVoided,
} from '../holds/hold.types.js';
import { SelfTransfer, TransferCompleted } from '../transfers/transfer.types.js';
import { AccountClosed, AccountFrozen, LimitExceeded } from '../rules/rules.types.js';

// The items of a batch take the arguments of the mutation they are named after (without an idempotency key: the
// batch has one), and answer exactly as that mutation answers alone.

const userId = { description: 'The user whose balance changes.' };

/** What every item may carry besides its mutation's own arguments (fields inherited by each item's input type). */
@InputType({ description: "What every batch item may carry besides its mutation's own arguments." })
abstract class ItemOptions {
  @Field(() => Int, expectedVersionArg)
  expectedVersion?: number | null;
}

@InputType({ description: 'updateBalance as a batch item.' })
export class UpdateBalanceItem extends ItemOptions {
  @Field(() => ID, userId)
  userId!: string;

  @Field(() => Int, { description: 'The change in credits: positive adds, negative withdraws; not 0.' })
  amount!: number;
}

@InputType({ description: 'deposit as a batch item.' })
export class DepositItem extends ItemOptions {
  @Field(() => ID, userId)
  userId!: string;

  @Field(() => Int, { description: 'The credits to add; a positive whole number.' })
  amount!: number;
}

@InputType({ description: 'withdraw as a batch item.' })
export class WithdrawItem extends ItemOptions {
  @Field(() => ID, userId)
  userId!: string;

  @Field(() => Int, { description: 'The credits to take away; a positive whole number.' })
  amount!: number;
}

@InputType({ description: 'setBalance as a batch item.' })
export class SetBalanceItem extends ItemOptions {
  @Field(() => ID, userId)
  userId!: string;

  @Field(() => GraphQLSafeInt, { description: 'The new balance; at least 0.' })
  balance!: number;

  @Field(() => String, { nullable: true, description: 'Why, kept in the ledger entry.' })
  reason?: string | null;
}

@InputType({ description: 'resetBalance as a batch item.' })
export class ResetBalanceItem extends ItemOptions {
  @Field(() => ID, userId)
  userId!: string;
}

@InputType({ description: 'transfer as a batch item.' })
export class TransferItem extends ItemOptions {
  @Field(() => ID, { description: 'The payer: the user the credits come from.' })
  fromUserId!: string;

  @Field(() => ID, { description: 'The payee: the user the credits go to.' })
  toUserId!: string;

  @Field(() => GraphQLSafeInt, { description: 'The credits to move; a positive whole number.' })
  amount!: number;

  @Field(() => String, { nullable: true, description: "Kept in the payer's ledger entry." })
  reason?: string | null;
}

@InputType({ description: 'hold as a batch item.' })
export class HoldItem extends ItemOptions {
  @Field(() => ID, { description: 'The user whose credits are held.' })
  userId!: string;

  @Field(() => GraphQLSafeInt, { description: 'The credits to hold; a positive whole number.' })
  amount!: number;

  @Field(() => Int, { description: 'Seconds until the hold is released by itself.' })
  expiresIn!: number;

  @Field(() => String, { nullable: true, description: 'Why, kept with the hold and its ledger entry.' })
  reason?: string | null;

  @Field(() => ID, { nullable: true, description: 'Who a capture pays; omitted: nobody. A service or admin only.' })
  payeeId?: string | null;
}

@InputType({ description: 'captureHold as a batch item.' })
export class CaptureHoldItem extends ItemOptions {
  @Field(() => ID, { description: 'The hold.' })
  holdId!: string;

  @Field(() => GraphQLSafeInt, { nullable: true, description: 'The credits to take; omitted: all of the hold.' })
  amount?: number | null;
}

@InputType({ description: 'voidHold as a batch item.' })
export class VoidHoldItem extends ItemOptions {
  @Field(() => ID, { description: 'The hold.' })
  holdId!: string;
}

/** A `@oneOf` input (set on the built schema, see batchInputsAreOneOf): exactly one member per item. */
@InputType({ description: 'One operation of a batch: exactly one of these, named after its mutation.' })
export class BatchOperation {
  @Field(() => UpdateBalanceItem, { nullable: true, description: 'Adds or takes away credits.' })
  updateBalance?: UpdateBalanceItem;

  @Field(() => DepositItem, { nullable: true, description: 'Adds credits.' })
  deposit?: DepositItem;

  @Field(() => WithdrawItem, { nullable: true, description: 'Takes credits away.' })
  withdraw?: WithdrawItem;

  @Field(() => SetBalanceItem, { nullable: true, description: 'Sets an absolute balance.' })
  setBalance?: SetBalanceItem;

  @Field(() => ResetBalanceItem, { nullable: true, description: 'Sets the balance to 0.' })
  resetBalance?: ResetBalanceItem;

  @Field(() => TransferItem, { nullable: true, description: 'Moves credits to another user.' })
  transfer?: TransferItem;

  @Field(() => HoldItem, { nullable: true, description: 'Reserves credits.' })
  hold?: HoldItem;

  @Field(() => CaptureHoldItem, { nullable: true, description: 'Takes credits of an open hold.' })
  captureHold?: CaptureHoldItem;

  @Field(() => VoidHoldItem, { nullable: true, description: 'Releases an open hold.' })
  voidHold?: VoidHoldItem;
}

@ObjectType({ description: 'An item of an atomic batch refused at another item: nothing of it was applied.' })
export class NotApplied {
  @Field(() => String, { description: 'Human-readable explanation.' })
  message!: string;
}

export const BatchItemResult = createUnionType({
  name: 'BatchItemResult',
  description: 'What one item of a batch came to: exactly what its mutation answers alone, or NotApplied.',
  resolveType: byType,
  types: () =>
    [
      BalanceUpdated,
      TransferCompleted,
      HoldPlaced,
      HoldCaptured,
      HoldVoided,
      InsufficientFunds,
      UserNotFound,
      InvalidAmount,
      InvalidInput,
      SelfTransfer,
      HoldNotFound,
      HoldAlreadyCaptured,
      HoldAlreadyVoided,
      HoldExpired,
      VersionMismatch,
      LimitExceeded,
      AccountFrozen,
      AccountClosed,
      NotApplied,
    ] as const,
});

@ObjectType({ description: 'Every item was decided, in order; the accepted ones are committed together.' })
export class BatchApplied {
  @Field(() => [BatchItemResult], { description: 'One result per item, in the order of the items.' })
  results!: unknown[];
}

@ObjectType({ description: 'An atomic batch refused at item `index`: nothing was written.' })
export class BatchRefused {
  @Field(() => Int, { description: 'The first item refused (from 0).' })
  index!: number;

  @Field(() => [BatchItemResult], {
    description: 'One result per item: the refused item its refusal, every other NotApplied.',
  })
  results!: unknown[];
}

export const BatchResult = createUnionType({
  name: 'BatchResult',
  description: 'The outcome of a batch: applied, refused as a whole (atomic), or refused before any item ran.',
  resolveType: byType,
  types: () => [BatchApplied, BatchRefused, InvalidInput, IdempotencyKeyReused] as const,
});
