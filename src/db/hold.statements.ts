import { PreparedStatement } from './prepared-statements.js';
import { HOLD_COLUMNS } from './rows.js';

// The holds' statements the balance path runs in its locked rounds (SqlBalanceStore).

/** Holds by [user id, hold id] pairs, as the round's decisions need them (their users' rows are locked). */
export const LOAD_HOLDS = new PreparedStatement(
  'balance_load_holds',
  ['jsonb'],
  `select ${HOLD_COLUMNS} from holds
    where (user_id, id) in (select (pair->>0)::integer, (pair->>1)::bigint from jsonb_array_elements($1) as pair)`,
);

/** Ids for `$1` new holds, taken before they are decided (a refused hold leaves a gap, as identities do). */
export const NEW_HOLD_IDS = new PreparedStatement(
  'balance_new_hold_ids',
  ['integer'],
  `select nextval(pg_get_serial_sequence('holds', 'id'))::bigint as id from generate_series(1, $1)`,
);

// The holds side of a round's hold entries, written after them in the same transaction. `$1`: new holds,
// [id, user id, payee, amount, seconds to expiry, reason, idempotency key]; `$2`: endings, [user id, hold id,
// status, captured]. An ending applies only to a hold that is still open: the statement returns every hold
// it wrote, and the caller aborts the transaction unless that is all of them.
export const WRITE_HOLDS = new PreparedStatement(
  'balance_write_holds',
  ['jsonb', 'jsonb'],
  `with made as (
     insert into holds (id, user_id, payee_id, amount, expires_at, reason, idempotency_key)
     select (h->>0)::bigint, (h->>1)::integer, (h->>2)::integer, (h->>3)::bigint,
            now() + make_interval(secs => (h->>4)::integer), h->>5, h->>6
       from jsonb_array_elements($1) as h
     returning *
   ), ended as (
     update holds set status = e->>2, captured = (e->>3)::bigint, ended_at = now()
       from jsonb_array_elements($2) as e
      where holds.user_id = (e->>0)::integer and holds.id = (e->>1)::bigint and holds.status = 'OPEN'
     returning holds.*
   ), written as (select * from made union all select * from ended)
   select ${HOLD_COLUMNS} from written`,
);
