import { Arg, ID, Int, Mutation, Resolver } from 'type-graphql';
import { BalanceService } from './balance.service.js';
import { UpdateBalanceResult } from './balance.types.js';

@Resolver()
export class BalanceResolver {
  constructor(private readonly balances: BalanceService) {}

  @Mutation(() => UpdateBalanceResult, {
    description:
      'Adds (positive amount) or withdraws (negative amount) credits. Answers after the change is durably ' +
      'committed; business failures are typed members of the result union.',
  })
  updateBalance(
    @Arg('userId', () => ID) userId: string,
    @Arg('amount', () => Int) amount: number,
  ): Promise<UpdateBalanceResult> {
    return this.balances.updateBalance(userId, amount);
  }
}
