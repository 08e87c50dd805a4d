import type { Sql, Tx } from '../../db/sql.js';
import type { HoldState, HoldStatus } from './hold.entity.js';
import { HOLD_COLUMNS, LOAD_HOLDS, NEW_HOLD_IDS, WRITE_HOLDS } from './hold.statements.js';

export interface HoldRow {
  id: string;
  user_id: number;
  payee_id: number | null;
  amount: string;
  status: HoldStatus;
  captured: string | null;
  reason: string | null;
  idempotency_key: string | null;
  expires_ms: number;
  created_ms: number;
  ended_ms: number | null;
  expired: boolean;
}

export function toHoldState(row: HoldRow): HoldState {
  return {
    id: Number(row.id),
    userId: row.user_id,
    payeeId: row.payee_id,
    amount: Number(row.amount),
    status: row.status,
    captured: row.captured === null ? null : Number(row.captured),
    reason: row.reason,
    idempotencyKey: row.idempotency_key,
    expiresAt: new Date(row.expires_ms),
    createdAt: new Date(row.created_ms),
    endedAt: row.ended_ms === null ? null : new Date(row.ended_ms),
    expired: row.expired,
  };
}

/** A hold entry's effect on the holds table: a new hold, or the ending of one. */
export type HoldToWrite =
  | {
      made: { id: number; userId: number; payee: number | null; amount: number; expiresInSeconds: number };
      reason: string | null;
      idempotencyKey: string | null;
    }
  | { ended: { userId: number; id: number; status: HoldStatus; captured: number | null } };

/**
 * The database side of holds: the API's reads, and the statements the balance path runs in the locked rounds
 * that decide hold operations (holds are written there only, beside their ledger entries).
 */
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

  /** The holds named by [user id, hold id] pairs, by hold id (read in a locked round: their users are locked). */
  async lockedHolds(tx: Tx, holds: readonly { userId: number; id: number }[]): Promise<Map<number, HoldState>> {
    if (holds.length === 0) return new Map();
    const rows = await this.sql.rows<HoldRow>(
      LOAD_HOLDS.call,
      [JSON.stringify(holds.map((h) => [h.userId, h.id]))],
      tx,
    );
    return new Map(rows.map((row) => [Number(row.id), toHoldState(row)]));
  }

  /** `count` fresh hold ids. */
  async newIds(tx: Tx, count: number): Promise<number[]> {
    const rows = await this.sql.rows<{ id: string }>(NEW_HOLD_IDS.call, [count], tx);
    return rows.map((row) => Number(row.id));
  }

  /**
   * Writes the holds side of hold entries written in this transaction: new holds, and endings of open ones.
   * Returns every hold written, by id; throws (aborting the transaction) if a hold to end was not open.
   */
  async write(tx: Tx, holds: readonly HoldToWrite[]): Promise<Map<number, HoldState>> {
    if (holds.length === 0) return new Map();
    const made = holds.flatMap((h) =>
      'made' in h
        ? [[h.made.id, h.made.userId, h.made.payee, h.made.amount, h.made.expiresInSeconds, h.reason, h.idempotencyKey]]
        : [],
    );
    const ended = holds.flatMap((h) =>
      'ended' in h ? [[h.ended.userId, h.ended.id, h.ended.status, h.ended.captured]] : [],
    );
    const rows = await this.sql.rows<HoldRow>(WRITE_HOLDS.call, [JSON.stringify(made), JSON.stringify(ended)], tx);
    if (rows.length !== holds.length) {
      throw new Error(`holds: ${holds.length} to write, ${rows.length} written (a hold to end was not open)`);
    }
    return new Map(rows.map((row) => [Number(row.id), toHoldState(row)]));
  }
}
