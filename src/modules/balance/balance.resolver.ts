import { GraphQLSafeInt } from 'graphql-scalars';
import { Arg, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import type { Outcome } from '../../core/outcomes.js';
import type { RequestContext } from '../../context.js';
import { Access, MUTATION_RULES } from '../auth/access.js';
import { BalanceService } from './balance.service.js';
import { clientKey } from '../auth/key-space.js';
import { UpdateBalanceResult } from './balance.types.js';
import { expectedVersionArg } from '../common/expected-version.js';

const userIdArg = { description: 'The user whose balance changes.' };
const idempotencyKeyArg = {
  nullable: true,
  description:
    "Apply at most once for this user and the caller's key space: a repeat with the same parameters gets the " +
    'first answer (a refusal too: send a new key to try again), with any parameter different ' +
    'IdempotencyKeyReused.',
} as const;

/** Every balance mutation answers with the one union, after the change is durably committed. */
@Resolver()
export class BalanceResolver {
  constructor(private readonly balances: BalanceService) {}

  @Mutation(() => UpdateBalanceResult, {
    description:
      'Adds (positive amount) or withdraws (negative amount) credits. Answers after the change is durably ' +
      'committed; business failures are typed members of the result union.',
  })
  @Access(MUTATION_RULES.updateBalance)
  updateBalance(
    @Ctx() { principal }: RequestContext,
    @Arg('userId', () => ID, userIdArg) userId: string,
    @Arg('amount', () => Int, { description: 'The change in credits: positive adds, negative withdraws; not 0.' })
    amount: number,
    @Arg('idempotencyKey', () => String, idempotencyKeyArg) idempotencyKey?: string | null,
    @Arg('expectedVersion', () => Int, expectedVersionArg) expectedVersion?: number | null,
  ): Promise<Outcome> {
    return this.balances.updateBalance(userId, amount, clientKey(principal, idempotencyKey), expectedVersion);
  }

  @Mutation(() => UpdateBalanceResult, { description: 'Adds credits; `amount` must be positive.' })
  @Access(MUTATION_RULES.deposit)
  deposit(
    @Ctx() { principal }: RequestContext,
    @Arg('userId', () => ID, userIdArg) userId: string,
    @Arg('amount', () => Int, { description: 'The credits to add; a positive whole number.' }) amount: number,
    @Arg('idempotencyKey', () => String, idempotencyKeyArg) idempotencyKey?: string | null,
    @Arg('expectedVersion', () => Int, expectedVersionArg) expectedVersion?: number | null,
  ): Promise<Outcome> {
    return this.balances.deposit(userId, amount, clientKey(principal, idempotencyKey), expectedVersion);
  }

  @Mutation(() => UpdateBalanceResult, {
    description: 'Takes credits away; `amount` must be positive. InsufficientFunds when the balance would go negative.',
  })
  @Access(MUTATION_RULES.withdraw)
  withdraw(
    @Ctx() { principal }: RequestContext,
    @Arg('userId', () => ID, userIdArg) userId: string,
    @Arg('amount', () => Int, { description: 'The credits to take away; a positive whole number.' }) amount: number,
    @Arg('idempotencyKey', () => String, idempotencyKeyArg) idempotencyKey?: string | null,
    @Arg('expectedVersion', () => Int, expectedVersionArg) expectedVersion?: number | null,
  ): Promise<Outcome> {
    return this.balances.withdraw(userId, amount, clientKey(principal, idempotencyKey), expectedVersion);
  }

  @Mutation(() => UpdateBalanceResult, {
    description: 'Sets the balance to 0; the ledger entry records the actual change (a reset of 120 writes -120).',
  })
  @Access(MUTATION_RULES.resetBalance)
  resetBalance(
    @Ctx() { principal }: RequestContext,
    @Arg('userId', () => ID, userIdArg) userId: string,
    @Arg('idempotencyKey', () => String, idempotencyKeyArg) idempotencyKey?: string | null,
    @Arg('expectedVersion', () => Int, expectedVersionArg) expectedVersion?: number | null,
  ): Promise<Outcome> {
    return this.balances.resetBalance(userId, clientKey(principal, idempotencyKey), expectedVersion);
  }

  @Mutation(() => UpdateBalanceResult, {
    description:
      'Sets an absolute balance (at least 0), e.g. from an external source of truth; `reason` is kept in the ledger.',
  })
  @Access(MUTATION_RULES.setBalance)
  setBalance(
    @Ctx() { principal }: RequestContext,
    @Arg('userId', () => ID, userIdArg) userId: string,
    @Arg('balance', () => GraphQLSafeInt, { description: 'The new balance; at least 0.' }) balance: number,
    @Arg('reason', () => String, { nullable: true, description: 'Why, kept in the ledger entry.' })
    reason?: string | null,
    @Arg('idempotencyKey', () => String, idempotencyKeyArg) idempotencyKey?: string | null,
    @Arg('expectedVersion', () => Int, expectedVersionArg) expectedVersion?: number | null,
  ): Promise<Outcome> {
    return this.balances.setBalance(
      userId,
      balance,
      reason ?? null,
      clientKey(principal, idempotencyKey),
      expectedVersion,
    );
  }
}
