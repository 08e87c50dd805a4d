import type { HoldState, HoldStatus } from '../../core/hold.js';
import { HOLD_COLUMNS, toHoldState, type HoldRow } from '../../db/rows.js';
import type { Sql } from '../../db/sql.js';

/** The API's reads of holds (they are written by the balance path only, beside their ledger entries). */
export class HoldStore {
  constructor(private readonly sql: Sql) {}

  async findById(id: number): Promise<HoldState | undefined> {
    const [row] = await this.sql.rows<HoldRow>(`select ${HOLD_COLUMNS} from holds where id = ?`, [id]);
    return row && toHoldState(row);
  }

  /** Up to `limit` of the user's holds, newest first, older than `beforeId` when given. */
  async page(userId: number, beforeId: number | undefined, limit: number, status?: HoldStatus): Promise<HoldState[]> {
    const rows = await this.sql.rows<HoldRow>(
      `select ${HOLD_COLUMNS} from holds where user_id = ? and id < ? ${status ? 'and status = ?' : ''}
        order by id desc limit ?`,
      [userId, beforeId ?? Number.MAX_SAFE_INTEGER, ...(status ? [status] : []), limit],
    );
    return rows.map(toHoldState);
  }

  /** Up to `limit` open holds past their expiry, the longest expired first (what the sweeper releases). */
  async expired(limit: number): Promise<{ userId: number; id: number }[]> {
    const rows = await this.sql.rows<{ user_id: number; id: string }>(
      `select user_id, id from holds where status = 'OPEN' and expires_at <= now() order by expires_at limit ?`,
      [limit],
    );
    return rows.map((row) => ({ userId: row.user_id, id: Number(row.id) }));
  }
}
