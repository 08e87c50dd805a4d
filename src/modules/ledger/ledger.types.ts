import { Field, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../common/connection.types.js';
import { LedgerEntry } from './ledger-entry.entity.js';
import { type LedgerEntryState } from '../../core/ledger.js';

@ObjectType({ description: 'A ledger entry and its place in the list.' })
export class LedgerEdge {
  @Field(() => String, { description: 'Opaque position of this entry; pass as `after` to continue after it.' })
  cursor!: string;

  @Field(() => LedgerEntry, { description: 'The entry.' })
  node!: LedgerEntryState;
}

@ObjectType({ description: "A page of a user's ledger, newest entry first." })
export class LedgerConnection {
  @Field(() => [LedgerEdge], { description: 'The entries of this page.' })
  edges!: LedgerEdge[];

  @Field(() => PageInfo, { description: 'Where this page stands in the list.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "All entries of the user's ledger." })
  totalCount!: number;
}
