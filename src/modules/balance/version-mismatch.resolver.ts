import { FieldResolver, Resolver, Root } from 'type-graphql';
import type { VersionMismatch as Mismatch } from '../../core/refusals.js';
import type { UserState } from '../../core/user.js';
import { CallersAccount } from '../auth/access.js';
import { User } from '../users/user.entity.js';
import type { UserService } from '../users/user.service.js';
import { VersionMismatch } from './balance.types.js';

/** What a client needs to review after a compare-and-set missed: the account as it is now. */
@Resolver(() => VersionMismatch)
export class VersionMismatchResolver {
  constructor(private readonly users: UserService) {}

  @FieldResolver(() => User, {
    description: 'The account as it is now (read when this answer is sent): what changed since the caller read it.',
  })
  @CallersAccount()
  async user(@Root() mismatch: Mismatch): Promise<UserState> {
    // The request was decided against this account's row, and users are never deleted.
    const user = await this.users.findById(mismatch.userId);
    if (!user) throw new Error(`user ${mismatch.userId} of a version mismatch is gone`);
    return user;
  }
}
