import type { Sql } from '../../db/sql.js';
import { decodeCursor, encodeCursor, PageInfo, pageSize } from '../common/connection.types.js';
import type { LedgerEntryState } from '../../core/ledger.js';
import { LedgerStore } from './ledger.store.js';
import type { LedgerConnection } from './ledger.types.js';

export class LedgerService {
  private readonly store: LedgerStore;

  constructor(sql: Sql) {
    this.store = new LedgerStore(sql);
  }

  /** The user's entries, newest first, after the entry `after` points to (keyset pagination on id). */
  async page(
    userId: number,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<LedgerConnection> {
    const size = pageSize(first);
    const afterId = decodeCursor(after);
    const [entries, totalCount] = await Promise.all([
      this.store.page(userId, afterId, size + 1),
      this.store.count(userId),
    ]);
    const edges = entries.slice(0, size).map((node) => ({ cursor: encodeCursor(node.id), node }));
    return { edges, pageInfo: PageInfo.of(edges, entries.length > size, afterId !== undefined), totalCount };
  }

  /** The entry, or null when the id is malformed or unknown. */
  async findById(rawId: string): Promise<LedgerEntryState | null> {
    if (!/^[1-9]\d{0,15}$/.test(rawId) || !Number.isSafeInteger(Number(rawId))) return null;
    return (await this.store.findById(Number(rawId))) ?? null;
  }
}
