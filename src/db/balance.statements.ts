import { MAX_BALANCE } from '../core/user.js';
import { PreparedStatement } from './prepared-statements.js';
import { TODAY, USER_COLUMNS } from './rows.js';

// The balance path's statements (SqlBalanceStore runs them). Values travel as JSON literals: MikroORM quotes each
// parameter as a literal and joins arrays with ", ", so one JSON literal per list keeps nulls, order and types
// exact. Prepared once per connection: the hot statements are planned once, not per round.

/** What a credit changes of a payee: the rest of the row is the state read under the lock. */
const CHANGED_COLUMNS = 'id, balance, held, version, (extract(epoch from updated_at) * 1000)::float8 as updated_ms';

export const LOAD = new PreparedStatement(
  'balance_load',
  ['jsonb'],
  `select ${USER_COLUMNS} from users where id in (select jsonb_array_elements_text($1)::integer)`,
);

/** The last attempt of a batch: rows locked in ascending id order, the same order every writer locks in. */
export const LOAD_LOCKED = new PreparedStatement(
  'balance_load_locked',
  ['jsonb'],
  `select ${USER_COLUMNS} from users where id in (select jsonb_array_elements_text($1)::integer)
    order by id for update`,
);

/** A recorded key's space; keys recorded before key spaces existed (none stored) are the grant's or `legacy`. */
const RECORDED_KEY_SPACE = `coalesce(e.key_space, case when e.kind = 'GRANT' then 'system' else 'legacy' end) as key_space`;

/** What keys (user id and text, in every space) were recorded with: entries written, then refusals answered. */
export const SELECT_RECORDED = new PreparedStatement(
  'balance_recorded',
  ['jsonb'],
  `with wanted as (select (pair->>0)::integer as user_id, pair->>1 as idempotency_key
                     from jsonb_array_elements($1) as pair)
   select e.user_id, e.id, e.amount, e.balance_after, e.kind, e.reason, e.idempotency_key, ${RECORDED_KEY_SPACE},
          e.request_digest, e.counterparty_id,
          e.transfer_id, (select c.id from ledger_entries c
                            where c.transfer_id = e.transfer_id and c.kind = 'TRANSFER_IN') as counterpart_id,
          e.hold_id, h.amount as hold_amount, h.payee_id as hold_payee_id, null::jsonb as refusal
     from ledger_entries e
     left join holds h on h.user_id = e.user_id and h.id = e.hold_id
    where (e.user_id, e.idempotency_key) in (select user_id, idempotency_key from wanted)
   union all
   select r.user_id, null, null, null, null, null, r.idempotency_key, r.key_space,
          r.request_digest, null, null, null, null, null, null, r.refusal
     from refused_requests r
    where (r.user_id, r.idempotency_key) in (select user_id, idempotency_key from wanted)`,
);

/**
 * Refusals under their keys, `$1`: [user id, key space, key, request digest, refusal]. Every attempt of a keyed
 * request is decided under its user's row lock, so a key is never both refused and applied; `do nothing` only
 * meets a refusal of a user that does not exist (no row to lock), recorded by another attempt meanwhile.
 */
export const RECORD_REFUSALS = new PreparedStatement(
  'balance_record_refusals',
  ['jsonb'],
  `insert into refused_requests (user_id, key_space, idempotency_key, request_digest, refusal)
   select (r->>0)::integer, r->>1, r->>2, r->>3, r->4 from jsonb_array_elements($1) as r
   on conflict do nothing`,
);

// One statement, atomic on its own, for every user of a round: the guarded updates and all their ledger rows.
// `$1` per user: [id, expected balance, expected version, change, number of changes, lowest, highest, change
// of held credits, debits (against the daily limit), rules after the batch (null: unchanged), expected day];
// `$2` per entry, in batch order: [user id, amount, offset (the batch's running change after it), kind, reason,
// idempotency_key, counterparty, transfer id, held offset, hold id, key space, request digest, details]. Each
// row's balance becomes `balance + change` (held: `held + held change`), and each entry's balance_after is the
// balance before the batch plus its offset (held_after likewise). Today's debits (counted per UTC day of the
// transaction, see TODAY) grow by the batch's debits, kept within 2^53-1 (past it, every limit is passed anyway).
// - A decided batch is guarded by the balance *and* the version its decision was made against (and, when the
//   user has a daily debit limit, by the day its debits were counted on): a user restored to an earlier version,
//   or changed by hand without a version bump, no longer matches, so a decision made against a state that is not
//   the row's is never written. A change of rules is an entry: it moves the version.
// - A batch of a user the process knows nothing of yet (expected version null) is written relatively: it
//   applies only if the account is active and every one of its changes keeps the available balance at least the
//   minimum, the balance at most the maximum and today's debits within the limit (`balance - held + lowest >=
//   min_balance`, `balance + highest <= max`, `debited + debits <= limit`), which is exactly when a decision
//   against the row would accept them all. It cannot overwrite what it has not seen: it adds to whatever the row
//   holds. (Holds and rule changes are never written relatively: they are decided in locked rounds.)
// - Users whose condition fails come back without a row, and nothing of theirs is written (their entries join
//   `updated`).
// - `locked` takes the row locks in ascending id order before anything is updated: two rounds (or a round and a
//   transfer) lock in the same order, so they wait for each other instead of deadlocking. It returns each
//   row as it is once locked (a row another transaction was changing: as that one committed it), and the
//   conditions are checked against those values, not against the statement's snapshot taken before the wait.
// - The version moves by the number of entries: one version per committed change.
// - The answer is one row: the updated users and the new entries' [user id, id] pairs, as JSON. Not a join of
//   the two: their sizes are unknown to the planner (it assumes one row each), and a nested loop over a round of
//   2,000 users took 0.6 s where the whole statement takes 40 ms. A guarded batch's user comes back as what the
//   batch changed ([id, balance, held, version, updated_ms, debited_today, counted_on]: the rest is the state it
//   was decided against); a relative batch's as the whole row. JSON costs per value: half the values, half the
//   time.
/** Today's debits of row `row`: what it counts if it counted them today, else nothing. */
const debitedToday = (row: string) => `(case when ${row}.debit_day = ${TODAY} then ${row}.debited_today else 0 end)`;

/**
 * A batch's condition on its user's row (`row`: the row as locked, or as updated): the state it was decided
 * against (guarded), or every running change within the rules (relative). Checked on the row as locked and again
 * by the update itself, on the very row version it changes (a row committed by another transaction meanwhile is
 * re-checked, never updated blindly). A row whose debits were counted on a later day than this transaction's
 * (one that waited on a lock across midnight) is left alone: the batch goes again in a new transaction.
 */
function applies(row: string): string {
  return `(((${row}.version = input.expected_version and ${row}.balance = input.expected_balance
         and (${row}.daily_debit_limit is null or input.expected_day = ${TODAY}))
     or (input.expected_version is null and ${row}.status = 'ACTIVE'
         and ${row}.balance - ${row}.held + input.lowest >= ${row}.min_balance
         and ${row}.balance + input.highest <= coalesce(${row}.max_balance, ${MAX_BALANCE})
         and (${row}.daily_debit_limit is null or ${debitedToday(row)} + input.debits <= ${row}.daily_debit_limit)))
     and (${row}.debit_day is null or ${row}.debit_day <= ${TODAY}))`;
}

/** A rule column after the batch: as it was, or as the batch's rules (`key`, `type`) set it. */
const ruleAfter = (column: string, key: string, type: string) =>
  `case when input.rules is null then users.${column} else (input.rules->>'${key}')::${type} end`;

export const WRITE = new PreparedStatement(
  'balance_write',
  ['jsonb', 'jsonb'],
  `with input as (
     select (u->>0)::integer as user_id, (u->>1)::bigint as expected_balance, (u->>2)::integer as expected_version,
            (u->>3)::bigint as change, (u->>4)::integer as changes, (u->>5)::bigint as lowest,
            (u->>6)::bigint as highest, (u->>7)::bigint as held_change, (u->>8)::bigint as debits,
            nullif(u->9, 'null'::jsonb) as rules, (u->>10)::date as expected_day
       from jsonb_array_elements($1) as u
   ), locked as (
     select users.id, users.balance, users.held, users.version, users.min_balance, users.max_balance,
            users.daily_debit_limit, users.status, users.debited_today, users.debit_day
       from users join input on input.user_id = users.id
      order by users.id
        for update of users
   ), applies as (
     select locked.id as locked_id from locked join input on input.user_id = locked.id
      where ${applies('locked')}
   ), updated as (
     update users set balance = users.balance + input.change, held = users.held + input.held_change,
                      version = users.version + input.changes, updated_at = now(),
                      debited_today = least(${debitedToday('users')} + input.debits, ${MAX_BALANCE}),
                      debit_day = ${TODAY},
                      min_balance = ${ruleAfter('min_balance', 'minBalance', 'bigint')},
                      max_balance = ${ruleAfter('max_balance', 'maxBalance', 'bigint')},
                      daily_debit_limit = ${ruleAfter('daily_debit_limit', 'dailyDebitLimit', 'bigint')},
                      status = ${ruleAfter('status', 'status', 'text')}
       from input join applies on applies.locked_id = input.user_id
      where users.id = input.user_id and ${applies('users')}
     returning ${USER_COLUMNS}, input.change, input.held_change, input.expected_version
   ), entries as (
     insert into ledger_entries (user_id, amount, balance_after, kind, reason, idempotency_key, counterparty_id,
                                 transfer_id, held_after, hold_id, key_space, request_digest, details)
     select updated.id, (e.item->>1)::bigint, updated.balance - updated.change + (e.item->>2)::bigint,
            e.item->>3, e.item->>4, e.item->>5, (e.item->>6)::integer, (e.item->>7)::uuid,
            updated.held - updated.held_change + (e.item->>8)::bigint, (e.item->>9)::bigint, e.item->>10,
            e.item->>11, nullif(e.item->12, 'null'::jsonb)
       from jsonb_array_elements($2) with ordinality as e (item, position)
       join updated on updated.id = (e.item->>0)::integer
      order by e.position
     returning user_id, id
   )
   select (select coalesce(json_agg(case when expected_version is null then to_json(updated)
                                          else json_build_array(id, balance, held, version, updated_ms, debited_today,
                                                                counted_on) end), '[]')
             from updated) as users,
          (select coalesce(json_agg(json_build_array(user_id, id) order by id), '[]') from entries) as entries`,
);

// The payees' side of a round's transfers, after their payers' entries are written and with every row already
// locked (a transfer's round reads payers and payees FOR UPDATE, in id order). A credit cannot take a balance
// below zero, so it needs no guard: it adds to whatever the row holds. `$1`: [payee, amount, payer, transfer id]
// per credit, in order; each gets its entry with the balance right after it, and the version moves by one each.
export const CREDIT = new PreparedStatement(
  'balance_credit',
  ['jsonb'],
  `with credit as (
     select (c.item->>0)::integer as payee, (c.item->>1)::bigint as amount, (c.item->>2)::integer as payer,
            (c.item->>3)::uuid as transfer_id, c.position
       from jsonb_array_elements($1) with ordinality as c (item, position)
   ), totals as (
     select payee, sum(amount) as total, count(*)::integer as changes from credit group by payee
   ), updated as (
     update users set balance = balance + total, version = version + changes, updated_at = now()
       from totals where id = payee
     returning ${CHANGED_COLUMNS}, total, changes
   ), entries as (
     insert into ledger_entries (user_id, amount, balance_after, kind, counterparty_id, transfer_id, held_after)
     select credit.payee, credit.amount,
            updated.balance - updated.total + sum(credit.amount) over (partition by credit.payee order by credit.position),
            'TRANSFER_IN', credit.payer, credit.transfer_id, updated.held
       from credit join updated on updated.id = credit.payee
      order by credit.position
     returning id, user_id, balance_after, transfer_id
   )
   select entries.transfer_id, entries.id as entry_id, entries.balance_after,
          updated.version - updated.changes
            + (row_number() over (partition by entries.user_id order by entries.id))::integer as version_after,
          updated.id, updated.held, updated.updated_ms
     from entries join updated on updated.id = entries.user_id`,
);
