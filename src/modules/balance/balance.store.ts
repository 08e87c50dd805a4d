import type { Knex } from '@mikro-orm/knex';
import type { ClientBase, QueryResultRow } from 'pg';
import type { Orm } from '../../db/orm.js';
import type { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import type { UserState } from '../users/user.entity.js';

/** Accepted changes of one batch, in order. */
export interface BatchWrite {
  amounts: number[];
  balancesAfter: number[];
  kinds: LedgerEntryKind[];
  reasons: (string | null)[];
  idempotencyKeys: (string | null)[];
}

/** A ledger entry recorded under an idempotency key. */
export interface RecordedEntry {
  id: string;
  amount: number;
  balanceAfter: number;
  kind: LedgerEntryKind;
  reason: string | null;
}

interface UserRow {
  id: number;
  username: string;
  email: string | null;
  name: string | null;
  balance: string;
  version: number;
  created_ms: number;
  updated_ms: number;
}

// Timestamps as epoch milliseconds: MikroORM makes the pg driver return timestamptz as text (it parses them
// itself), and that text is not a format Date reliably parses.
const USER_COLUMNS = `id, username, email, name, balance, version,
  (extract(epoch from created_at) * 1000)::float8 as created_ms, (extract(epoch from updated_at) * 1000)::float8 as updated_ms`;
const SELECT_USER = `select ${USER_COLUMNS} from users where id = $1`;

// One statement, one round trip, atomic on its own: the versioned update and the ledger rows of the whole
// batch. When the version no longer matches, `updated` is empty, so no ledger row is written either.
const SELECT_RECORDED = `select id, amount, balance_after, kind, reason, idempotency_key from ledger_entries
   where user_id = $1 and idempotency_key = any($2::text[])`;

const UNIQUE_VIOLATION = '23505';

const WRITE_BATCH = `
with updated as (
  update users set balance = $1, version = version + 1, updated_at = now()
   where id = $2 and version = $3
  returning ${USER_COLUMNS}
), entries as (
  insert into ledger_entries (user_id, amount, balance_after, kind, reason, idempotency_key)
  select updated.id, change.amount, change.balance_after, change.kind, change.reason, change.idempotency_key
    from updated, unnest($4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[])
         with ordinality as change (amount, balance_after, kind, reason, idempotency_key, position)
   order by change.position
  returning id
)
select updated.*, (select array_agg(id order by id) from entries) as entry_ids from updated`;

function toState(row: UserRow): UserState {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    name: row.name,
    balance: Number(row.balance),
    version: row.version,
    createdAt: new Date(row.created_ms),
    updatedAt: new Date(row.updated_ms),
  };
}

/** A connection of MikroORM's pool, held for one batch (or one row-locked transaction). */
export type BatchConnection = ClientBase;

/**
 * The SQL of the balance hot path, on connections of MikroORM's pool. Named prepared statements straight on
 * the driver instead of entity flushes or the query builder: a batch costs one round trip, PostgreSQL plans
 * each statement once per connection, and no AsyncLocalStorage context is entered per batch.
 */
export class BalanceStore {
  constructor(private readonly orm: Orm) {}

  private get knex(): Knex {
    return this.orm.em.getConnection().getKnex();
  }

  /** Runs `work` on one pooled connection. */
  async withConnection<T>(work: (connection: BatchConnection) => Promise<T>): Promise<T> {
    const pool = this.knex.client as {
      acquireConnection(): Promise<BatchConnection>;
      releaseConnection(c: BatchConnection): Promise<void>;
    };
    const connection = await pool.acquireConnection();
    try {
      return await work(connection);
    } finally {
      await pool.releaseConnection(connection);
    }
  }

  /** Runs `work` in a transaction on one pooled connection. */
  transaction<T>(work: (connection: BatchConnection) => Promise<T>): Promise<T> {
    return this.withConnection(async (connection) => {
      await connection.query('begin');
      try {
        const result = await work(connection);
        await connection.query('commit');
        return result;
      } catch (error) {
        await connection.query('rollback').catch(() => undefined);
        throw error;
      }
    });
  }

  private async run<R extends QueryResultRow>(
    connection: BatchConnection | undefined,
    name: string,
    text: string,
    values: unknown[],
  ): Promise<R[]> {
    const query = (c: BatchConnection) => c.query<R>({ name, text, values }).then((result) => result.rows);
    return connection ? query(connection) : this.withConnection(query);
  }

  async load(userId: number, connection?: BatchConnection, forUpdate = false): Promise<UserState | undefined> {
    const [row] = await (forUpdate
      ? this.run<UserRow>(connection, 'balance_load_for_update', `${SELECT_USER} for update`, [userId])
      : this.run<UserRow>(connection, 'balance_load', SELECT_USER, [userId]));
    return row && toState(row);
  }

  /**
   * Writes the batch if the user is still at `expected.version`: returns the new state and the ledger
   * entry ids (in the order of `write`), or undefined when another writer got there first.
   */
  async write(
    expected: UserState,
    balance: number,
    write: BatchWrite,
    connection?: BatchConnection,
  ): Promise<{ state: UserState; entryIds: string[] } | undefined> {
    let rows: (UserRow & { entry_ids: string[] })[];
    try {
      rows = await this.run(connection, 'balance_write', WRITE_BATCH, [
        balance,
        expected.id,
        expected.version,
        write.amounts,
        write.balancesAfter,
        write.kinds,
        write.reasons,
        write.idempotencyKeys,
      ]);
    } catch (error) {
      // Another process recorded one of our idempotency keys first: nothing was written; re-decide.
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === UNIQUE_VIOLATION && constraint === 'ledger_entries_idempotency_key_unique') return undefined;
      throw error;
    }
    const row = rows[0];
    return row && { state: toState(row), entryIds: row.entry_ids };
  }

  /** The user's ledger entries recorded under any of `keys`, by key. */
  async findRecorded(
    userId: number,
    keys: string[],
    connection?: BatchConnection,
  ): Promise<Map<string, RecordedEntry>> {
    const rows = await this.run<{
      id: string;
      amount: string;
      balance_after: string;
      kind: LedgerEntryKind;
      reason: string | null;
      idempotency_key: string;
    }>(connection, 'balance_find_recorded', SELECT_RECORDED, [userId, keys]);
    return new Map(
      rows.map((row) => [
        row.idempotency_key,
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
