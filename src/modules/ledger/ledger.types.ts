import { Field, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '../common/connection.types.js';
import { LedgerEntry } from './ledger-entry.entity.js';

@ObjectType()
export class LedgerEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => LedgerEntry)
  node!: LedgerEntry;
}

@ObjectType({ description: "A page of a user's ledger, newest entry first." })
export class LedgerConnection {
  @Field(() => [LedgerEdge])
  edges!: LedgerEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int, { description: "All entries of the user's ledger." })
  totalCount!: number;
}
