import { Arg, ID, Query, Resolver } from 'type-graphql';
import { User } from './user.entity.js';
import { UserService } from './user.service.js';

@Resolver(() => User)
export class UserResolver {
  constructor(private readonly users: UserService) {}

  @Query(() => User, { nullable: true, description: 'The user with this id, or null when there is none.' })
  user(@Arg('id', () => ID) id: string): Promise<User | null> {
    return this.users.findById(id);
  }
}
