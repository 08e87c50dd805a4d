import type { Sql, Tx } from '../../db/sql.js';
import type { UserState } from '../../core/user.js';
import { toUserState, USER_COLUMNS, type UserRow } from '../../db/rows.js';

/** The first user of an empty database, so the service can be tried at once. */
export const SEED_BALANCE = 10_000;

export interface NewUser {
  /** Omitted: the database generates `user_xxxx`. */
  username?: string;
  email?: string | null;
  name?: string | null;
  /** The opening balance, written to the ledger as the user's INITIAL entry (also when it is 0). */
  balance: number;
}

/** The database side of users. */
export class UserStore {
  constructor(private readonly sql: Sql) {}

  /**
   * Inserts a user and its INITIAL ledger entry (the opening balance, 0 too), in one statement (so balance == sum
   * of the ledger from the first moment, every user's version counts its entries, and the opening is an event). The one way users are created: createUser, the seed,
   * the tests and the bench.
   */
  async insertUserWithOpeningBalance(user: NewUser, tx?: Tx): Promise<UserState> {
    // Without a username the column is left out, so the database's default names the user.
    const named = user.username !== undefined;
    const [row] = await this.sql.rows<UserRow>(
      `with created as (
         insert into users (${named ? 'username, ' : ''}email, name, balance)
         values (${named ? '?, ' : ''}?, ?, ?)
         returning ${USER_COLUMNS}
       ), opening as (
         insert into ledger_entries (user_id, amount, balance_after, kind)
         select id, balance, balance, 'INITIAL' from created
       )
       select * from created`,
      [...(named ? [user.username] : []), user.email ?? null, user.name ?? null, user.balance],
      tx,
    );
    return toUserState(row!);
  }

  async findById(id: number): Promise<UserState | undefined> {
    const [row] = await this.sql.rows<UserRow>(`select ${USER_COLUMNS} from users where id = ?`, [id]);
    return row && toUserState(row);
  }

  /** Up to `limit` users with an id above `afterId`, by id. */
  async page(afterId: number, limit: number): Promise<UserState[]> {
    const rows = await this.sql.rows<UserRow>(`select ${USER_COLUMNS} from users where id > ? order by id limit ?`, [
      afterId,
      limit,
    ]);
    return rows.map(toUserState);
  }

  /** Up to `limit` user ids above `afterId`, by id (walks every user, e.g. for the grant). */
  async ids(afterId: number, limit: number): Promise<number[]> {
    const rows = await this.sql.rows<{ id: number }>('select id from users where id > ? order by id limit ?', [
      afterId,
      limit,
    ]);
    return rows.map((row) => row.id);
  }

  async count(): Promise<number> {
    const [row] = await this.sql.rows<{ count: string }>('select count(*) as count from users');
    return Number(row!.count);
  }
}

/**
 * Seeds user `demo` with SEED_BALANCE when the database has no user yet. Runs after the migrations, under
 * their lock, so processes starting together seed once; a restart never re-seeds.
 */
export async function seedFirstUser(sql: Sql, tx: Tx): Promise<UserState | undefined> {
  const [any] = await sql.rows('select 1 from users limit 1', [], tx);
  if (any) return undefined;
  return new UserStore(sql).insertUserWithOpeningBalance({ username: 'demo', balance: SEED_BALANCE }, tx);
}
