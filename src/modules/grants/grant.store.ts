import type { Sql, Tx } from '../../db/sql.js';

/** Arbitrary constant: one grant run at a time across every process on the database. */
const GRANT_LOCK_KEY = 7_160_554;

/** The database side of the daily grant: which days are done, and who runs. */
export class GrantStore {
  constructor(private readonly sql: Sql) {}

  /** The last day whose grant reached every user, as YYYY-MM-DD, or undefined before the first. */
  async lastCompletedDay(): Promise<string | undefined> {
    const [row] = await this.sql.rows<{ day: string | null }>(
      "select to_char(max(day), 'YYYY-MM-DD') as day from grant_days",
    );
    return row?.day ?? undefined;
  }

  async markCompleted(day: string, amount: number, users: number): Promise<void> {
    await this.sql.rows(
      'insert into grant_days (day, amount, users) values (?::date, ?, ?) on conflict (day) do nothing',
      [day, amount, users],
    );
  }

  /**
   * Runs `work` only if no other process runs a grant now (a transaction-scoped advisory lock, released when
   * the run ends or its process dies); returns undefined when another one holds it.
   */
  async exclusively<T>(work: () => Promise<T>): Promise<T | undefined> {
    return this.sql.transaction(async (tx: Tx) => {
      const [row] = await this.sql.rows<{ locked: boolean }>(
        'select pg_try_advisory_xact_lock(?) as locked',
        [GRANT_LOCK_KEY],
        tx,
      );
      return row?.locked ? work() : undefined;
    });
  }
}
