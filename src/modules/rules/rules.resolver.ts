import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from 'type-graphql';
import type { Outcome } from '../../core/outcomes.js';
import type { UserState } from '../../core/user.js';
import type { RequestContext } from '../../context.js';
import { Access, CheckArguments, staffOnly } from '../auth/access.js';
import { checkPageArguments } from '../common/connection.types.js';
import { User } from '../users/user.entity.js';
import { AccountStatus } from './account-status.js';
import { SetAccountStatusResult, SetLimitsResult } from './rules.results.js';
import { RulesService } from './rules.service.js';
import { AccountLimits, AccountRuleChange, LimitsInput } from './rules.types.js';

/** Account rules: limits and status, set by staff, in force for every operation of the account. */
@Resolver(() => User)
export class RulesResolver {
  constructor(private readonly rules: RulesService) {}

  @Mutation(() => SetLimitsResult, {
    description:
      "Changes the account's limits, in its lane after the operations before it; later operations are decided " +
      'under the new limits (a limit set below the current state refuses only what would go further). Recorded ' +
      'as a LIMITS ledger entry with who made it. A service or admin only.',
  })
  @Access(staffOnly('set limits'))
  setLimits(
    @Ctx() { principal }: RequestContext,
    @Arg('userId', () => ID, { description: 'The account.' }) userId: string,
    @Arg('limits', () => LimitsInput, { description: 'The limits to change; omitted ones stay as they are.' })
    limits: LimitsInput,
  ): Promise<Outcome> {
    return this.rules.setLimits(userId, limits, principal);
  }

  @Mutation(() => SetAccountStatusResult, {
    description:
      'Freezes, unfreezes or closes the account, in its lane: no operation after it in the lane is decided under ' +
      'the old status. Closing needs a balance of 0 and nothing on hold (else AccountNotEmpty) and is final. ' +
      'Recorded as a STATUS ledger entry with who made it and why. A service or admin only.',
  })
  @Access(staffOnly('set an account status'))
  setAccountStatus(
    @Ctx() { principal }: RequestContext,
    @Arg('userId', () => ID, { description: 'The account.' }) userId: string,
    @Arg('status', () => AccountStatus, { description: 'The new status.' }) status: AccountStatus,
    @Arg('reason', () => String, { nullable: true, description: 'Why, kept in the ledger entry.' })
    reason?: string | null,
  ): Promise<Outcome> {
    return this.rules.setStatus(userId, status, reason ?? null, principal);
  }

  @FieldResolver(() => AccountLimits, { description: "The account's limits, and what debits took today." })
  limits(@Root() user: UserState): AccountLimits {
    const { minBalance, maxBalance, dailyDebitLimit, debitedToday } = user;
    return { minBalance, maxBalance, dailyDebitLimit, debitedToday };
  }

  @FieldResolver(() => [AccountRuleChange], {
    nullable: true,
    description: "The account's changes of limits and status, newest first; null when they could not be read.",
  })
  @CheckArguments(checkPageArguments)
  async ruleChanges(
    @Root() user: UserState,
    @Arg('first', () => Int, { nullable: true, description: 'How many (default 20, at most 100).' }) first?: number,
  ): Promise<AccountRuleChange[]> {
    const changes = await this.rules.changes(user.id, first);
    return changes.map(({ rules: { status, ...limits }, ...change }) => ({
      ...change,
      status: status as AccountStatus,
      limits: { ...limits, debitedToday: 0 },
    }));
  }
}
