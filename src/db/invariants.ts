/** Runs one read-only SQL statement and returns its rows (pg, or MikroORM's connection in tests). */
export type RunQuery = (sql: string) => Promise<Record<string, unknown>[]>;

export interface InvariantViolation {
  /**
   * Which invariant: balance-equals-ledger, within-limits, daily-debit-limit, account-status, balance-after-chain,
   * unique-idempotency-key, refused-or-applied, transfer-pairs, non-negative-held, held-equals-open-holds,
   * held-after-chain, hold-endings.
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

/**
 * Every entry with the rules in force before it (those of the last LIMITS or STATUS entry before it, found by their
 * partial index; none: the defaults), what was available before and after it, its debit and its UTC day.
 */
const ENTRIES_UNDER_RULES = `(select l.id, l.user_id, l.kind, l.amount, l.balance_after,
          l.balance_after - l.held_after as available_after,
          coalesce(lag(l.balance_after - l.held_after) over (partition by l.user_id order by l.id), 0) as available_before,
          case when l.amount < 0 and l.kind in ('UPDATE', 'WITHDRAWAL', 'TRANSFER_OUT', 'CAPTURE') then -l.amount else 0 end
            as debit,
          (l.created_at at time zone 'utc')::date as day,
          coalesce((r.details->>'minBalance')::bigint, 0) as min_balance, (r.details->>'maxBalance')::bigint as max_balance,
          (r.details->>'dailyDebitLimit')::bigint as daily_debit_limit, coalesce(r.details->>'status', 'ACTIVE') as status
     from ledger_entries l
     left join lateral (select details from ledger_entries p
                         where p.user_id = l.user_id and p.id < l.id and p.kind in ('LIMITS', 'STATUS')
                         order by p.id desc limit 1) r on true)`;

/** The debits a frozen account refuses (captures of holds placed before still apply). */
const FROZEN_DEBITS = `('UPDATE', 'WITHDRAWAL', 'TRANSFER_OUT')`;

/** Each check lists its violations (at most 1,000 each, so a badly broken database still gets a readable report). */
const CHECKS: [string, string][] = [
  [
    'balance-equals-ledger',
    `select u.id as user_id, 'balance ' || u.balance || ' <> ledger sum ' || coalesce(sum(l.amount), 0) as detail
       from users u left join ledger_entries l on l.user_id = u.id
      group by u.id having u.balance <> coalesce(sum(l.amount), 0) order by u.id limit 1000`,
  ],
  [
    // Each change that leaves less available (spending) leaves at least the minimum in force before it, and each
    // credit leaves at most the maximum: a limit tightened past the state binds only the changes after it.
    'within-limits',
    `select user_id, 'entry ' || id || ' (' || kind || '): ' ||
            case when spent then 'available ' || available_after || ' below the minimum ' || min_balance
                 else 'balance ' || balance_after || ' above the maximum ' || max_balance end as detail
       from (select *, available_after < min_balance and available_after < available_before as spent
               from ${ENTRIES_UNDER_RULES}) e
      where spent or (amount > 0 and balance_after > max_balance)
      order by user_id, id limit 1000`,
  ],
  [
    // Per user and UTC day (of the entries' transactions), the debits up to each one stay within the daily
    // limit in force before it.
    'daily-debit-limit',
    `select user_id, 'entry ' || id || ': debits of ' || day || ' reach ' || debited || ', limit ' || daily_debit_limit
            as detail
       from (select *, sum(debit) over (partition by user_id, day order by id) as debited
               from ${ENTRIES_UNDER_RULES}) e
      where debit > 0 and debited > daily_debit_limit
      order by user_id, id limit 1000`,
  ],
  [
    // A closed account takes no change after its closing; a frozen one no debit and no new hold.
    'account-status',
    `select user_id, 'entry ' || id || ' (' || kind || ') on a ' || lower(status) || ' account' as detail
       from ${ENTRIES_UNDER_RULES} e
      where status = 'CLOSED' or (status = 'FROZEN' and (kind = 'HOLD' or (amount < 0 and kind in ${FROZEN_DEBITS})))
      order by user_id, id limit 1000`,
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
    // Per user and key space (user, staff, system; keys from before key spaces: the grant's or legacy), and a
    // legacy key is never recorded again in any space.
    'unique-idempotency-key',
    `select user_id, 'idempotency key ' || quote_literal(idempotency_key) || ' on ' || count(*) || ' entries ('
            || string_agg(space, ', ' order by space) || ')' as detail
       from (select user_id, idempotency_key,
                    coalesce(key_space, case when kind = 'GRANT' then 'system' else 'legacy' end) as space
               from ledger_entries where idempotency_key is not null) keyed
      group by user_id, idempotency_key
     having count(*) > count(distinct space) or (count(*) > 1 and bool_or(space = 'legacy'))
      order by user_id limit 1000`,
  ],
  [
    // A key is refused or applied, never both (both are decided under the account's row lock).
    'refused-or-applied',
    `select r.user_id, 'idempotency key ' || quote_literal(r.idempotency_key) || ' (' || r.key_space
            || ') refused ' || (r.refusal->>'type') || ' and applied as entry ' || e.id as detail
       from refused_requests r
       join ledger_entries e
         on e.user_id = r.user_id and e.idempotency_key = r.idempotency_key and e.key_space = r.key_space
      order by 1 limit 1000`,
  ],
  [
    // Each transfer (or capture paid to a payee): one debit (TRANSFER_OUT or CAPTURE) and one TRANSFER_IN of the
    // same size, naming each other.
    'transfer-pairs',
    `select min(user_id) as user_id, 'transfer ' || transfer_id || ': ' || count(*) || ' entries, sum ' || sum(amount)
            as detail
       from ledger_entries where transfer_id is not null
      group by transfer_id
     having count(*) <> 2 or sum(amount) <> 0 or count(*) filter (where kind = 'TRANSFER_IN') <> 1
         or min(user_id) <> min(counterparty_id) or max(user_id) <> max(counterparty_id)
      order by 1 limit 1000`,
  ],
  [
    'non-negative-held',
    `select id as user_id, 'held ' || held as detail from users where held < 0 order by id limit 1000`,
  ],
  [
    'held-equals-open-holds',
    `select u.id as user_id, 'held ' || u.held || ' <> open holds ' || coalesce(sum(h.amount), 0) as detail
       from users u left join holds h on h.user_id = u.id and h.status = 'OPEN'
      group by u.id having u.held <> coalesce(sum(h.amount), 0) order by u.id limit 1000`,
  ],
  [
    // Entries in id order per user: each held_after is the previous one plus the hold it made or ended
    // (from 0), and the last one is the user's held.
    'held-after-chain',
    `select e.user_id, 'entry ' || e.id || ': held_after ' || e.held_after || ' <> ' || e.expected as detail
       from (select l.id, l.user_id, l.held_after,
                    coalesce(lag(l.held_after) over (partition by l.user_id order by l.id), 0)
                      + case when l.kind = 'HOLD' then h.amount when l.kind in ('CAPTURE', 'VOID', 'EXPIRY')
                             then -h.amount else 0 end as expected
               from ledger_entries l left join holds h on h.user_id = l.user_id and h.id = l.hold_id) e
      where e.held_after <> e.expected
     union all
     select u.id, 'held ' || u.held || ' <> last held_after ' || l.held_after
       from users u
       join lateral (select held_after from ledger_entries where user_id = u.id order by id desc limit 1) l on true
      where u.held <> l.held_after
      order by 1 limit 1000`,
  ],
  [
    // Each hold: one HOLD entry; an open one no ending, an ended one exactly one, matching its status (and for
    // a capture, its amount).
    'hold-endings',
    `select h.user_id, 'hold ' || h.id || ' (' || h.status || '): ' || count(l.id) filter (where l.kind = 'HOLD')
            || ' HOLD, endings ' || coalesce(string_agg(l.kind, ',') filter (where l.kind <> 'HOLD'), 'none') as detail
       from holds h left join ledger_entries l on l.user_id = h.user_id and l.hold_id = h.id
      group by h.user_id, h.id, h.status, h.captured
     having count(l.id) filter (where l.kind = 'HOLD') <> 1
         or count(l.id) filter (where l.kind <> 'HOLD') <> (h.status <> 'OPEN')::int
         or (h.status = 'CAPTURED') <> (count(*) filter (where l.kind = 'CAPTURE' and -l.amount = h.captured) = 1)
         or (h.status = 'VOIDED') <> (count(*) filter (where l.kind = 'VOID') = 1)
         or (h.status = 'EXPIRED') <> (count(*) filter (where l.kind = 'EXPIRY') = 1)
      order by 1 limit 1000`,
  ],
];

/** The name of every invariant checked, in the order of the report. */
export const INVARIANTS: readonly string[] = CHECKS.map(([name]) => name);

/**
 * Checks what must always hold for a balance database: balance == sum of the ledger, a consistent balance_after
 * chain, every change within the account's rules in force when it was made (minimum and maximum balance, the daily
 * debit limit, no change of a closed account, no debit of a frozen one), idempotency keys used once per user
 * (refused or applied, never both), both sides of every transfer (and of every capture paid to a payee), held never
 * negative and == the sum of open holds (and the ledger's held_after chain agrees), and every hold made once and
 * ended at most once, as its status says. Read-only; safe on a live database (each check is one statement; under
 * concurrent writes run it on a replica or a quiet moment for exactness).
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
