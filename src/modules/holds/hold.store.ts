import type { Sql } from '../../db/sql.js';
import { HoldStatus, type HoldState } from './hold.entity.js';

/** A hold's columns; `expired`: open and past its expiry by the database's clock (the transaction's `now()`). */
export const HOLD_COLUMNS = `id, user_id, payee_id, amount, status, captured, reason, idempotency_key,
  (extract(epoch from expires_at) * 1000)::float8 as expires_ms, (extract(epoch from created_at) * 1000)::float8 as created_ms,
  (extract(epoch from ended_at) * 1000)::float8 as ended_ms, (status = 'OPEN' and expires_at <= now()) as expired`;

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

/** The holds' reads (holds are written by the balance store only, in the rounds that decide them). */
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
