/** Runs one read-only SQL statement and returns its rows (pg, or MikroORM's connection in tests). */
export type RunQuery = (sql: string) => Promise<Record<string, unknown>[]>;

export interface InvariantViolation {
  /**
   * Which invariant: balance-equals-ledger, non-negative-balance, balance-after-chain, unique-idempotency-key,
   * transfer-pairs.
   */
  invariant: string;
  userId: number;
  detail: string;
}

export interface InvariantReport {
  users: number;
  entries: number;
  violations: InvariantViolation[];
}

/** Each check lists its violations (at most 1,000 each, so a badly broken database still gets a readable report). */
const CHECKS: [string, string][] = [
  [
    'balance-equals-ledger',
    `select u.id as user_id, 'balance ' || u.balance || ' <> ledger sum ' || coalesce(sum(l.amount), 0) as detail
       from users u left join ledger_entries l on l.user_id = u.id
      group by u.id having u.balance <> coalesce(sum(l.amount), 0) order by u.id limit 1000`,
  ],
  [
    'non-negative-balance',
    `select id as user_id, 'negative balance ' || balance as detail from users where balance < 0 order by id limit 1000`,
  ],
  [
    // Entries in id order per user: each balance_after is the previous one plus its amount (from 0).
    'balance-after-chain',
    `select user_id, 'entry ' || id || ': balance_after ' || balance_after || ' <> ' || expected as detail
       from (select id, user_id, balance_after,
                    coalesce(lag(balance_after) over (partition by user_id order by id), 0) + amount as expected
               from ledger_entries) e
      where balance_after <> expected order by user_id, id limit 1000`,
  ],
  [
    // Per user and key space: the system's (GRANT entries) and the clients' (every other kind).
    'unique-idempotency-key',
    `select user_id, 'idempotency key ' || quote_literal(idempotency_key) || ' on ' || count(*) || ' entries' as detail
       from ledger_entries where idempotency_key is not null
      group by user_id, kind = 'GRANT', idempotency_key having count(*) > 1 order by user_id limit 1000`,
  ],
  [
    // Each transfer: exactly one TRANSFER_OUT and one TRANSFER_IN of the same size, naming each other.
    'transfer-pairs',
    `select min(user_id) as user_id, 'transfer ' || transfer_id || ': ' || count(*) || ' entries, sum ' || sum(amount)
            as detail
       from ledger_entries where transfer_id is not null
      group by transfer_id
     having count(*) <> 2 or sum(amount) <> 0 or count(*) filter (where kind = 'TRANSFER_OUT') <> 1
         or min(user_id) <> min(counterparty_id) or max(user_id) <> max(counterparty_id)
      order by 1 limit 1000`,
  ],
];

/**
 * Checks what must always hold for a balance database: balance == sum of the ledger, no negative balance, a
 * consistent balance_after chain, idempotency keys used once per user, both sides of every transfer. Read-only; safe on a live database
 * (each check is one statement; under concurrent writes run it on a replica or a quiet moment for exactness).
 */
export async function checkInvariants(run: RunQuery): Promise<InvariantReport> {
  const [counts] = await run(
    'select (select count(*) from users) as users, (select count(*) from ledger_entries) as entries',
  );
  const violations: InvariantViolation[] = [];
  for (const [invariant, sql] of CHECKS) {
    for (const row of await run(sql)) {
      violations.push({ invariant, userId: Number(row['user_id']), detail: String(row['detail']) });
    }
  }
  return { users: Number(counts?.['users'] ?? 0), entries: Number(counts?.['entries'] ?? 0), violations };
}
