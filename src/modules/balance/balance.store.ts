import { isUniqueViolation } from '../../db/errors.js';
import { PreparedStatement } from '../../db/prepared-statements.js';
import type { Sql, Tx } from '../../db/sql.js';
import type { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import type { UserState } from '../users/user.entity.js';
import { toUserState, USER_COLUMNS, type UserRow } from '../users/user.store.js';
import { scopedKey, type EntryToWrite, type RecordedEntry } from './balance.decide.js';

/** The last, row-locked attempt is rare: sent as text. */
const LOCK = `select ${USER_COLUMNS} from users where id = ? for update`;
const LOAD = new PreparedStatement('balance_load', ['integer'], `select ${USER_COLUMNS} from users where id = $1`);

const SELECT_RECORDED = `select id, amount, balance_after, kind, reason, idempotency_key from ledger_entries
   where user_id = ? and idempotency_key in (select jsonb_array_elements_text(?::jsonb))`;

// One statement, atomic on its own: the versioned update of the user and the ledger rows of the whole batch.
// When the version no longer matches, `updated` is empty, so no ledger row is written either. The entries
// travel as one JSON array of [amount, balance_after, kind, reason, idempotency_key] (MikroORM quotes each
// parameter as a literal; one JSON literal keeps nulls and order exact). The version moves by the number of
// entries: one version per committed change. Prepared once per connection: it is planned once, not per batch.
const WRITE = new PreparedStatement(
  'balance_write',
  ['bigint', 'integer', 'integer', 'integer', 'jsonb'],
  `with updated as (
     update users set balance = $1, version = version + $2, updated_at = now()
      where id = $3 and version = $4
     returning ${USER_COLUMNS}
   ), entries as (
     insert into ledger_entries (user_id, amount, balance_after, kind, reason, idempotency_key)
     select updated.id, (change.item->>0)::bigint, (change.item->>1)::bigint, change.item->>2, change.item->>3,
            change.item->>4
       from updated, jsonb_array_elements($5) with ordinality as change (item, position)
      order by change.position
     returning id
   )
   select updated.*, (select array_agg(id order by id) from entries) as entry_ids from updated`,
);

/** What a committed batch wrote: the user after it, and the new entries' ids in the order of the batch. */
export interface WrittenBatch {
  state: UserState;
  entryIds: string[];
}

/** Whether a write failed because one of its idempotency keys is recorded for the user already. */
export function isKeyTaken(error: unknown): boolean {
  return isUniqueViolation(error, 'ledger_entries_idempotency_key_per_space_unique');
}

/** The SQL of the balance path; every statement runs in the caller's transaction. */
export class BalanceStore {
  constructor(private readonly sql: Sql) {}

  /** Runs `work` in one MikroORM transaction. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.sql.transaction(work);
  }

  /** The user, optionally row-locked until the transaction ends. */
  async load(tx: Tx, userId: number, forUpdate = false): Promise<UserState | undefined> {
    const [row] = await this.sql.rows<UserRow>(forUpdate ? LOCK : LOAD.call, [userId], tx);
    return row && toUserState(row);
  }

  /**
   * Writes the batch if the user is still at `expected.version`, or returns undefined when another writer got
   * there first. Throws what `isKeyTaken` recognises when one of the batch's idempotency keys is recorded
   * already (the transaction is then aborted).
   */
  async write(
    tx: Tx,
    expected: UserState,
    balance: number,
    entries: readonly EntryToWrite[],
  ): Promise<WrittenBatch | undefined> {
    const payload = JSON.stringify(entries.map((e) => [e.amount, e.balanceAfter, e.kind, e.reason, e.idempotencyKey]));
    const [row] = await this.sql.rows<UserRow & { entry_ids: string[] }>(
      WRITE.call,
      [balance, entries.length, expected.id, expected.version, payload],
      tx,
    );
    return row && { state: toUserState(row), entryIds: row.entry_ids.map(String) };
  }

  /** The user's ledger entries recorded under any of `keys` (in either key space), by scoped key. */
  async findRecorded(tx: Tx, userId: number, keys: readonly string[]): Promise<Map<string, RecordedEntry>> {
    const rows = await this.sql.rows<{
      id: string;
      amount: string;
      balance_after: string;
      kind: LedgerEntryKind;
      reason: string | null;
      idempotency_key: string;
    }>(SELECT_RECORDED, [userId, JSON.stringify(keys)], tx);
    return new Map(
      rows.map((row) => [
        scopedKey(row.kind, row.idempotency_key),
        {
          id: String(row.id),
          amount: Number(row.amount),
          balanceAfter: Number(row.balance_after),
          kind: row.kind,
          reason: row.reason,
        },
      ]),
    );
  }
}
