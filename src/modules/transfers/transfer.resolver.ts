import { GraphQLSafeInt } from 'graphql-scalars';
import { Arg, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import type { Outcome } from '../../core/outcomes.js';
import type { RequestContext } from '../../context.js';
import { Access, MUTATION_RULES } from '../auth/access.js';
import { BalanceService } from '../balance/balance.service.js';
import { expectedVersionArg } from '../common/expected-version.js';
import { clientKey } from '../auth/key-space.js';
import { TransferResult } from './transfer.types.js';

@Resolver()
export class TransferResolver {
  constructor(private readonly balances: BalanceService) {}

  @Mutation(() => TransferResult, {
    description:
      'Moves credits from one user to another in one transaction: two ledger entries (TRANSFER_OUT and ' +
      'TRANSFER_IN) that name each other. Answers after the commit; business failures are typed members of the ' +
      'result union. Role `user` may transfer only from its own account.',
  })
  @Access(MUTATION_RULES.transfer)
  transfer(
    @Ctx() { principal }: RequestContext,
    @Arg('fromUserId', () => ID, { description: 'The payer: the user the credits come from.' }) fromUserId: string,
    @Arg('toUserId', () => ID, { description: 'The payee: the user the credits go to.' }) toUserId: string,
    @Arg('amount', () => GraphQLSafeInt, { description: 'The credits to move; a positive whole number.' })
    amount: number,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description:
        "Apply at most once (a key of the payer's account, in the caller's key space): a repeat with the same " +
        'parameters gets the first answer (a refusal too: send a new key to try again), with any parameter ' +
        'different IdempotencyKeyReused.',
    })
    idempotencyKey?: string | null,
    @Arg('reason', () => String, { nullable: true, description: "Kept in the payer's ledger entry." })
    reason?: string | null,
    @Arg('expectedVersion', () => Int, expectedVersionArg) expectedVersion?: number | null,
  ): Promise<Outcome> {
    const key = clientKey(principal, idempotencyKey);
    return this.balances.transfer(fromUserId, toUserId, amount, key, reason ?? null, expectedVersion);
  }
}
