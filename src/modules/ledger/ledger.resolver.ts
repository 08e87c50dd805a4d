import { Arg, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { User } from '../users/user.entity.js';
import { LedgerEntry } from './ledger-entry.entity.js';
import { LedgerService } from './ledger.service.js';
import { LedgerConnection } from './ledger.types.js';

@Resolver(() => User)
export class LedgerResolver {
  constructor(private readonly entries: LedgerService) {}

  @FieldResolver(() => LedgerConnection, { description: "The user's ledger, newest entry first." })
  ledger(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true, description: 'Page size (default 20, at most 100).' }) first?: number,
    @Arg('after', () => String, { nullable: true, description: '`endCursor` of the previous page.' }) after?: string,
  ): Promise<LedgerConnection> {
    return this.entries.page(user.id, first, after);
  }

  @Query(() => LedgerEntry, {
    nullable: true,
    description: 'The ledger entry with this id, or null when there is none.',
  })
  ledgerEntry(@Arg('id', () => ID) id: string): Promise<LedgerEntry | null> {
    return this.entries.findById(id);
  }
}
