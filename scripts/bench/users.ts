import type pg from 'pg';

/**
 * `count` users with `balance` each and their INITIAL ledger entries, in one statement (the bench's bulk form
 * of UserStore.insertUserWithOpeningBalance); ids in order. Without a database (the stateless references):
 * made-up ids.
 */
export async function insertUsers(
  db: pg.Pool | pg.Client | undefined,
  count: number,
  balance: number,
): Promise<number[]> {
  if (!db) return Array.from({ length: count }, (_, i) => i + 1);
  const { rows } = await db.query<{ id: number }>(
    `with u as (insert into users (balance) select $1 from generate_series(1, $2) returning id, balance),
          l as (insert into ledger_entries (user_id, amount, balance_after, kind)
                select id, balance, balance, 'INITIAL' from u)
     select id from u order by id`,
    [balance, count],
  );
  return rows.map((row) => row.id);
}
