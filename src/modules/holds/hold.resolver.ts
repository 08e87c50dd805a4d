import { GraphQLSafeInt } from 'graphql-scalars';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Outcome } from '../../core/outcomes.js';
import type { RequestContext } from '../../context.js';
import { Access, anyone, CheckArguments, mayRead, MUTATION_RULES } from '../auth/access.js';
import { expectedVersionArg } from '../common/expected-version.js';
import { clientKey } from '../auth/key-space.js';
import { checkPageArguments } from '../common/connection.types.js';
import { User } from '../users/user.entity.js';
import { type UserState } from '../../core/user.js';
import { Hold } from './hold.entity.js';
import { HoldStatus, type HoldState } from '../../core/hold.js';
import { HoldService, MAX_HOLD_SECONDS } from './hold.service.js';
import { CaptureHoldResult, HoldConnection, HoldResult, VoidHoldResult } from './hold.types.js';

const holdIdArg = { description: 'The hold.' };
const idempotencyKeyArg = {
  nullable: true,
  description:
    "Apply at most once (a key of the hold's account, in the caller's key space): a repeat with the same " +
    'parameters gets the first answer (a refusal too: send a new key to try again), with any parameter ' +
    'different IdempotencyKeyReused.',
} as const;

/** Holds: reserve now, capture or release later; each hold ends exactly once. */
@Resolver(() => User)
export class HoldResolver {
  constructor(private readonly service: HoldService) {}

  @Mutation(() => HoldResult, {
    name: 'hold',
    description:
      "Reserves credits of the user's available balance until they are captured, voided or the hold expires. " +
      'Answers after the commit; InsufficientFunds when less is available. Role `user` may hold only its own ' +
      'credits and may not name a payee.',
  })
  @Access(MUTATION_RULES.hold)
  placeHold(
    @Ctx() { principal }: RequestContext,
    @Arg('userId', () => ID, { description: 'The user whose credits are held.' }) userId: string,
    @Arg('amount', () => GraphQLSafeInt, { description: 'The credits to hold; a positive whole number.' })
    amount: number,
    @Arg('expiresIn', () => Int, {
      description: `Seconds until the hold is released by itself (1 to ${MAX_HOLD_SECONDS}).`,
    })
    expiresIn: number,
    @Arg('idempotencyKey', () => String, idempotencyKeyArg) idempotencyKey?: string | null,
    @Arg('reason', () => String, { nullable: true, description: 'Why, kept with the hold and its ledger entry.' })
    reason?: string | null,
    @Arg('payeeId', () => ID, {
      nullable: true,
      description:
        'Who a capture pays (the credits move to this user, as a transfer); omitted: nobody. A service or admin only.',
    })
    payeeId?: string | null,
    @Arg('expectedVersion', () => Int, expectedVersionArg) expectedVersion?: number | null,
  ): Promise<Outcome> {
    const key = clientKey(principal, idempotencyKey);
    return this.service.hold(userId, amount, expiresIn, key, reason ?? null, payeeId ?? null, expectedVersion);
  }

  @Mutation(() => CaptureHoldResult, {
    description:
      'Takes credits of an open hold (a CAPTURE ledger entry; paid to its payee, if it has one) and releases ' +
      'the rest. A service or admin only.',
  })
  @Access(MUTATION_RULES.captureHold)
  captureHold(
    @Ctx() { principal }: RequestContext,
    @Arg('holdId', () => ID, holdIdArg) holdId: string,
    @Arg('amount', () => GraphQLSafeInt, {
      nullable: true,
      description: 'The credits to take, at most the held amount; omitted: all of it.',
    })
    amount?: number | null,
    @Arg('idempotencyKey', () => String, idempotencyKeyArg) idempotencyKey?: string | null,
    @Arg('expectedVersion', () => Int, expectedVersionArg) expectedVersion?: number | null,
  ): Promise<Outcome> {
    const key = clientKey(principal, idempotencyKey);
    return this.service.captureHold(holdId, amount ?? null, key, () => true, expectedVersion);
  }

  @Mutation(() => VoidHoldResult, {
    description:
      'Releases an open hold entirely (a VOID ledger entry). Role `user` may void only its own holds: any other ' +
      'hold id is HoldNotFound to it.',
  })
  @Access(MUTATION_RULES.voidHold)
  voidHold(
    @Ctx() { principal }: RequestContext,
    @Arg('holdId', () => ID, holdIdArg) holdId: string,
    @Arg('idempotencyKey', () => String, idempotencyKeyArg) idempotencyKey?: string | null,
    @Arg('expectedVersion', () => Int, expectedVersionArg) expectedVersion?: number | null,
  ): Promise<Outcome> {
    const key = clientKey(principal, idempotencyKey);
    return this.service.voidHold(holdId, key, (userId) => mayRead(principal, userId), expectedVersion);
  }

  @Query(() => Hold, {
    name: 'hold',
    nullable: true,
    description: 'The hold with this id, or null when there is none (or it is not one the caller may see).',
  })
  @Access(anyone)
  async holdById(
    @Ctx() { principal }: RequestContext,
    @Arg('id', () => ID, { description: 'The hold id.' }) id: string,
  ): Promise<HoldState | null> {
    return this.service.findById(id, (userId) => mayRead(principal, userId));
  }

  @FieldResolver(() => HoldConnection, {
    nullable: true,
    description: "The user's holds, newest first; null when they could not be read (the error says why).",
  })
  @CheckArguments(checkPageArguments)
  holds(
    @Root() user: UserState,
    @Arg('first', () => Int, { nullable: true, description: 'Page size (default 20, at most 100).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: '`endCursor` of the previous page.' }) after?: string,
    @Arg('status', () => HoldStatus, { nullable: true, description: 'Only holds in this state; omitted: all.' })
    status?: HoldStatus | null,
  ): Promise<HoldConnection> {
    return this.service.page(user.id, first, after, status);
  }
}
