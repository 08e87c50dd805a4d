import { GraphQLError } from 'graphql';
import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Relay-style pagination state.' })
export class PageInfo {
  @Field(() => Boolean, {
    description: 'Whether more items follow this page. False for an empty page (e.g. `first: 0`): no cursor moved.',
  })
  hasNextPage: boolean;

  @Field(() => Boolean, { description: 'Whether items come before this page (true when `after` was given).' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item of this page; null when empty.' })
  startCursor: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last item of this page; pass as `after` to get the next page. Null when empty.',
  })
  endCursor: string | null;

  constructor(hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null) {
    this.hasNextPage = hasNextPage;
    this.hasPreviousPage = hasPreviousPage;
    this.startCursor = startCursor;
    this.endCursor = endCursor;
  }

  /**
   * The page state of `edges`, when `more` items were found after them. An empty page never says there is a
   * next one: without an end cursor a client following `hasNextPage` would ask for the same page for ever.
   */
  static of(edges: readonly { cursor: string }[], more: boolean, hasPrevious: boolean): PageInfo {
    const start = edges[0]?.cursor ?? null;
    const end = edges.at(-1)?.cursor ?? null;
    return new PageInfo(more && end !== null, hasPrevious, start, end);
  }
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
}

/** `first` as asked, capped at MAX_PAGE_SIZE; a negative one is a client error. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (first < 0) throw badInput('`first` must not be negative');
  return Math.min(first, MAX_PAGE_SIZE);
}

/** Cursors are opaque to clients: base64url of the row id they point after. */
export function encodeCursor(id: number): string {
  return Buffer.from(`id:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined): number | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const match = /^id:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw badInput('`after` is not a cursor of this list');
  return Number(match[1]);
}

/**
 * A page's arguments (`first`, `after`), checked by the operation guard before anything runs: a bad one refuses
 * the whole operation (400) instead of failing inside an answer, after a change was committed.
 */
export function checkPageArguments(args: Readonly<Record<string, unknown>>): void {
  pageSize(args['first'] as number | null | undefined);
  decodeCursor(args['after'] as string | null | undefined);
}
