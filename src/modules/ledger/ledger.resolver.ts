import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../context.js';
import { Access, anyone, CheckArguments, mayRead } from '../auth/access.js';
import { checkPageArguments } from '../common/connection.types.js';
import { User } from '../users/user.entity.js';
import { type UserState } from '../../core/user.js';
import { LedgerEntry } from './ledger-entry.entity.js';
import { type LedgerEntryState } from '../../core/ledger.js';
import { LedgerService } from './ledger.service.js';
import { LedgerConnection } from './ledger.types.js';

@Resolver(() => User)
export class LedgerResolver {
  constructor(private readonly entries: LedgerService) {}

  @FieldResolver(() => LedgerConnection, {
    nullable: true,
    description: "The user's ledger, newest entry first; null when it could not be read (the error says why).",
  })
  @CheckArguments(checkPageArguments)
  ledger(
    @Root() user: UserState,
    @Arg('first', () => Int, { nullable: true, description: 'Page size (default 20, at most 100).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: '`endCursor` of the previous page.' }) after?: string,
  ): Promise<LedgerConnection> {
    return this.entries.page(user.id, first, after);
  }

  @Query(() => LedgerEntry, {
    nullable: true,
    description: 'The ledger entry with this id, or null when there is none (or it is not one the caller may see).',
  })
  @Access(anyone)
  async ledgerEntry(
    @Ctx() { principal }: RequestContext,
    @Arg('id', () => ID, { description: 'The ledger entry id.' }) id: string,
  ): Promise<LedgerEntryState | null> {
    const entry = await this.entries.findById(id);
    // Another user's entry reads as none: a user learns nothing of which entries exist.
    return entry && mayRead(principal, entry.userId) ? entry : null;
  }
}
