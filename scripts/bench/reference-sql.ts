// What a careful hand-written service does, one transaction per request (pool of 10), for the references
// `npm run bench` measures the service against: a conditional UPDATE and the ledger insert; for a transfer,
// both rows locked in id order, both updates and both ledger entries.
import pg from 'pg';

export type ReferenceAnswer = { result: 'BalanceUpdated'; balance: number } | { result: 'InsufficientFunds' };
export type ReferenceTransferAnswer = { result: 'TransferCompleted' } | { result: 'InsufficientFunds' };

export function createReferenceSql(databaseUrl: string | undefined) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });

  async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T | undefined>, refused: T): Promise<T> {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const answer = await work(client);
      await client.query(answer === undefined ? 'rollback' : 'commit');
      return answer ?? refused;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    update: (userId: number, amount: number): Promise<ReferenceAnswer> =>
      inTransaction<ReferenceAnswer>(
        async (client) => {
          const updated = await client.query<{ balance: string }>(
            `update users set balance = balance + $1, version = version + 1, updated_at = now()
              where id = $2 and balance + $1 >= 0 returning balance`,
            [amount, userId],
          );
          const row = updated.rows[0];
          if (!row) return undefined;
          await client.query(
            `insert into ledger_entries (user_id, amount, balance_after, kind) values ($1, $2, $3, 'UPDATE')`,
            [userId, amount, row.balance],
          );
          return { result: 'BalanceUpdated', balance: Number(row.balance) };
        },
        { result: 'InsufficientFunds' },
      ),

    transfer: (from: number, to: number, amount: number): Promise<ReferenceTransferAnswer> =>
      inTransaction<ReferenceTransferAnswer>(
        async (client) => {
          await client.query('select id from users where id in ($1, $2) order by id for update', [from, to]);
          const debited = await client.query<{ balance: string }>(
            `update users set balance = balance - $1, version = version + 1, updated_at = now()
              where id = $2 and balance >= $1 returning balance`,
            [amount, from],
          );
          if (!debited.rows[0]) return undefined;
          const credited = await client.query<{ balance: string }>(
            `update users set balance = balance + $1, version = version + 1, updated_at = now()
              where id = $2 returning balance`,
            [amount, to],
          );
          await client.query(
            `with t as (select gen_random_uuid() as id)
             insert into ledger_entries (user_id, amount, balance_after, kind, counterparty_id, transfer_id)
             select $1::integer, -$3::bigint, $4::bigint, 'TRANSFER_OUT', $2::integer, t.id from t
             union all select $2, $3, $5, 'TRANSFER_IN', $1, t.id from t`,
            [from, to, amount, debited.rows[0].balance, credited.rows[0]!.balance],
          );
          return { result: 'TransferCompleted' };
        },
        { result: 'InsufficientFunds' },
      ),

    end: () => pool.end(),
  };
}
