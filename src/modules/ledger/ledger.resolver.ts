import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context.js';
import { requireOwnUser } from '../auth/access.js';
import { User, type UserState } from '../users/user.entity.js';
import { LedgerEntry, type LedgerEntryState } from './ledger-entry.entity.js';
import { LedgerService } from './ledger.service.js';
import { LedgerConnection } from './ledger.types.js';

@Resolver(() => User)
export class LedgerResolver {
  constructor(private readonly entries: LedgerService) {}

  @FieldResolver(() => LedgerConnection, { description: "The user's ledger, newest entry first." })
  ledger(
    @Root() user: UserState,
    @Ctx() { principal }: RequestContext,
    @Arg('first', () => Int, { nullable: true, description: 'Page size (default 20, at most 100).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: '`endCursor` of the previous page.' }) after?: string,
  ): Promise<LedgerConnection> {
    requireOwnUser(principal, user.id);
    return this.entries.page(user.id, first, after);
  }

  @Query(() => LedgerEntry, {
    nullable: true,
    description: 'The ledger entry with this id, or null when there is none.',
  })
  async ledgerEntry(
    @Ctx() { principal }: RequestContext,
    @Arg('id', () => ID, { description: 'The ledger entry id.' }) id: string,
  ): Promise<LedgerEntryState | null> {
    const entry = await this.entries.findById(id);
    // Checked after the read: a user may see its own entries, and learns nothing about others' but that.
    if (entry) requireOwnUser(principal, entry.userId);
    return entry;
  }
}
