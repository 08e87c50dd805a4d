import type { Knex } from '@mikro-orm/knex';
import type { Orm } from '../../db/orm.js';
import type { UserState } from '../users/user.entity.js';

/** Accepted changes of one batch, in order. */
export interface BatchWrite {
  amounts: number[];
  balancesAfter: number[];
}

interface UserRow {
  id: number;
  balance: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const SELECT_USER = 'select id, balance, version, created_at, updated_at from users where id = ?';

// One statement, one round trip, atomic on its own: the versioned update and the ledger rows of the whole
// batch. When the version no longer matches, `updated` is empty, so no ledger row is written either.
const WRITE_BATCH = `
with updated as (
  update users set balance = ?, version = version + 1, updated_at = now()
   where id = ? and version = ?
  returning id, balance, version, created_at, updated_at
), entries as (
  insert into ledger_entries (user_id, amount, balance_after, kind)
  select updated.id, change.amount, change.balance_after, 'UPDATE'
    from updated, unnest(?::bigint[], ?::bigint[]) with ordinality as change (amount, balance_after, position)
   order by change.position
  returning id
)
select updated.*, (select array_agg(id order by id) from entries) as entry_ids from updated`;

function toState(row: UserRow): UserState {
  return {
    id: row.id,
    balance: Number(row.balance),
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The SQL of the balance hot path, on MikroORM's connection pool. Plain statements instead of entity
 * flushes: a batch costs one round trip, and no AsyncLocalStorage context is entered per batch.
 */
export class BalanceStore {
  constructor(private readonly orm: Orm) {}

  private get knex(): Knex {
    return this.orm.em.getConnection().getKnex();
  }

  async load(userId: number, trx?: Knex.Transaction, forUpdate = false): Promise<UserState | undefined> {
    const { rows } = await (trx ?? this.knex).raw<{ rows: UserRow[] }>(
      forUpdate ? `${SELECT_USER} for update` : SELECT_USER,
      [userId],
    );
    return rows[0] && toState(rows[0]);
  }

  /**
   * Writes the batch if the user is still at `expected.version`: returns the new state and the ledger
   * entry ids (in the order of `write`), or undefined when another writer got there first.
   */
  async write(
    expected: UserState,
    balance: number,
    write: BatchWrite,
    trx?: Knex.Transaction,
  ): Promise<{ state: UserState; entryIds: string[] } | undefined> {
    const { rows } = await (trx ?? this.knex).raw<{ rows: (UserRow & { entry_ids: string[] })[] }>(WRITE_BATCH, [
      balance,
      expected.id,
      expected.version,
      write.amounts,
      write.balancesAfter,
    ]);
    const row = rows[0];
    return row && { state: toState(row), entryIds: row.entry_ids };
  }

  transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(work);
  }
}
