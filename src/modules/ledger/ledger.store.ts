import type { Sql } from '../../db/sql.js';
import type { LedgerEntryKind, LedgerEntryState } from '../../core/ledger.js';
import { DEFAULT_RULES } from '../../core/rules.js';
import type { AccountRules } from '../../core/user.js';

/** Rules as a LIMITS or STATUS entry records them (with who asked); none recorded: the defaults. */
function rulesFrom(details: (AccountRules & { actor?: string }) | null): AccountRules {
  if (!details) return DEFAULT_RULES;
  const { minBalance, maxBalance, dailyDebitLimit, status } = details;
  return { minBalance, maxBalance, dailyDebitLimit, status };
}

interface LedgerRow {
  id: string;
  user_id: number;
  amount: string;
  balance_after: string;
  kind: LedgerEntryKind;
  reason: string | null;
  idempotency_key: string | null;
  counterparty_id: number | null;
  transfer_id: string | null;
  held_after: string;
  hold_id: string | null;
  rules_after?: AccountRules | null;
  created_ms: number;
}

const ENTRY_COLUMNS = `id, user_id, amount, balance_after, kind, reason, idempotency_key, counterparty_id, transfer_id,
  held_after, hold_id, (extract(epoch from created_at) * 1000)::float8 as created_ms`;

function toEntry(row: LedgerRow): LedgerEntryState {
  return {
    id: Number(row.id),
    userId: row.user_id,
    amount: Number(row.amount),
    balanceAfter: Number(row.balance_after),
    kind: row.kind,
    reason: row.reason,
    idempotencyKey: row.idempotency_key,
    counterpartyId: row.counterparty_id,
    transferId: row.transfer_id,
    heldAfter: Number(row.held_after),
    holdId: row.hold_id === null ? null : Number(row.hold_id),
    ...(row.rules_after === undefined ? {} : { rulesAfter: rulesFrom(row.rules_after) }),
    createdAt: new Date(row.created_ms),
  };
}

/** The database side of the ledger's reads (entries are written by the balance store only). */
export class LedgerStore {
  constructor(private readonly sql: Sql) {}

  /** Up to `limit` of the user's entries, newest first, older than `beforeId` when given. */
  async page(userId: number, beforeId: number | undefined, limit: number): Promise<LedgerEntryState[]> {
    const rows = await this.sql.rows<LedgerRow>(
      `select ${ENTRY_COLUMNS} from ledger_entries where user_id = ? and id < ? order by id desc limit ?`,
      [userId, beforeId ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return rows.map(toEntry);
  }

  /**
   * The user's entries with ids from `firstId` to `lastId`, oldest first (what one notification announced), each
   * with the account's rules right after it (the last LIMITS or STATUS entry up to it, found by its partial index).
   */
  async range(userId: number, firstId: number, lastId: number): Promise<LedgerEntryState[]> {
    const rows = await this.sql.rows<LedgerRow>(
      `select ${ENTRY_COLUMNS},
              (select r.details from ledger_entries r
                where r.user_id = e.user_id and r.id <= e.id and r.kind in ('LIMITS', 'STATUS')
                order by r.id desc limit 1) as rules_after
         from ledger_entries e where user_id = ? and id between ? and ? order by id`,
      [userId, firstId, lastId],
    );
    return rows.map(toEntry);
  }

  async count(userId: number): Promise<number> {
    const [row] = await this.sql.rows<{ count: string }>(
      'select count(*) as count from ledger_entries where user_id = ?',
      [userId],
    );
    return Number(row!.count);
  }

  async findById(id: number): Promise<LedgerEntryState | undefined> {
    const [row] = await this.sql.rows<LedgerRow>(`select ${ENTRY_COLUMNS} from ledger_entries where id = ?`, [id]);
    return row && toEntry(row);
  }
}
