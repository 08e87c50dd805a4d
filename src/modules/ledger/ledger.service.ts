import type { Orm } from '../../db/orm.js';
import { decodeCursor, encodeCursor, PageInfo, pageSize } from '../common/connection.types.js';
import { LedgerEntry } from './ledger-entry.entity.js';
import type { LedgerConnection } from './ledger.types.js';

export class LedgerService {
  constructor(private readonly orm: Orm) {}

  /** The user's entries, newest first, after the entry `after` points to (keyset pagination on id). */
  async page(
    userId: number,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<LedgerConnection> {
    const size = pageSize(first);
    const afterId = decodeCursor(after);
    const em = this.orm.em.fork();
    const [entries, totalCount] = await Promise.all([
      em.find(
        LedgerEntry,
        { user: userId, ...(afterId === undefined ? {} : { id: { $lt: afterId } }) },
        { orderBy: { id: 'desc' }, limit: size + 1 },
      ),
      em.count(LedgerEntry, { user: userId }),
    ]);
    const page = entries.slice(0, size);
    const edges = page.map((node) => ({ cursor: encodeCursor(node.id), node }));
    return { edges, pageInfo: new PageInfo(entries.length > size, edges.at(-1)?.cursor ?? null), totalCount };
  }

  /** The entry, or null when the id is malformed or unknown. */
  async findById(rawId: string): Promise<LedgerEntry | null> {
    if (!/^[1-9]\d{0,15}$/.test(rawId) || !Number.isSafeInteger(Number(rawId))) return null;
    return this.orm.em.fork().findOne(LedgerEntry, Number(rawId));
  }
}
