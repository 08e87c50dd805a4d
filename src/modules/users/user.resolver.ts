import { GraphQLSafeInt } from 'graphql-scalars';
import { Arg, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { UserCreated } from '../../core/outcomes.js';
import type { Refusal } from '../../core/refusals.js';
import { availableOf } from '../../core/rules.js';
import { Access, CallersAccount, ownAccount, staffOnly } from '../auth/access.js';
import { User } from './user.entity.js';
import { type UserState } from '../../core/user.js';
import { UserService } from './user.service.js';
import { CreateUserInput, CreateUserResult, UserConnection } from './user.types.js';

@Resolver(() => User)
export class UserResolver {
  constructor(private readonly service: UserService) {}

  @Query(() => User, {
    nullable: true,
    description: 'The user with this id, or null when there is none. Role `user` may read only itself.',
  })
  @Access(ownAccount('id'))
  @CallersAccount()
  user(@Arg('id', () => ID, { description: 'The user id.' }) id: string): Promise<UserState | null> {
    return this.service.findById(id);
  }

  @Query(() => UserConnection, { description: 'Users ordered by id, a page at a time. A service or admin only.' })
  @Access(staffOnly('list users'))
  users(
    @Arg('first', () => Int, { nullable: true, description: 'Page size (default 20, at most 100).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: '`endCursor` of the previous page.' }) after?: string,
  ): Promise<UserConnection> {
    return this.service.page(first, after);
  }

  @FieldResolver(() => GraphQLSafeInt, {
    description:
      'What may be spent (withdrawn, transferred, held): `balance` less `held` less `limits.minBalance` (a credit ' +
      'line adds to it); negative only when a minimum was raised past what the account holds. Within ±(2^53-1).',
  })
  available(@Root() user: UserState): number {
    return availableOf(user.balance, user.held, user.minBalance);
  }

  @Mutation(() => CreateUserResult, {
    description: 'Creates a user; failures are typed members of the result. A service or admin only.',
  })
  @Access(staffOnly('create users'))
  createUser(
    @Arg('input', () => CreateUserInput, { description: 'The new user.' }) input: CreateUserInput,
  ): Promise<UserCreated | Refusal> {
    return this.service.create(input);
  }
}
