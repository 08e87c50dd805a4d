import { isUniqueViolation } from '../../db/errors.js';
import { PreparedStatement } from '../../db/prepared-statements.js';
import type { Sql, Tx } from '../../db/sql.js';
import type { LedgerEntryKind } from '../ledger/ledger-entry.entity.js';
import type { UserState } from '../users/user.entity.js';
import { toUserState, USER_COLUMNS, type UserRow } from '../users/user.store.js';
import { scopedKey, type EntryToWrite, type RecordedEntry } from './balance.decide.js';
import { MAX_BALANCE } from './balance.types.js';

/** What a write changes of a user: the rest of the row is the state the write was decided against. */
const CHANGED_COLUMNS = 'id, balance, version, (extract(epoch from updated_at) * 1000)::float8 as updated_ms';

interface ChangedRow {
  id: number;
  balance: string;
  version: number;
  updated_ms: number;
}

function changed(before: UserState, row: ChangedRow): UserState {
  return { ...before, balance: Number(row.balance), version: row.version, updatedAt: new Date(row.updated_ms) };
}

// Values travel as JSON literals: MikroORM quotes each parameter as a literal and joins arrays with ", ", so
// one JSON literal per list keeps nulls, order and types exact. Prepared once per connection: the hot
// statements are planned once, not per round.

const LOAD = new PreparedStatement(
  'balance_load',
  ['jsonb'],
  `select ${USER_COLUMNS} from users where id in (select jsonb_array_elements_text($1)::integer)`,
);

/** The last attempt of a batch: rows locked in ascending id order, the same order every writer locks in. */
const LOAD_LOCKED = new PreparedStatement(
  'balance_load_locked',
  ['jsonb'],
  `select ${USER_COLUMNS} from users where id in (select jsonb_array_elements_text($1)::integer)
    order by id for update`,
);

const SELECT_RECORDED = new PreparedStatement(
  'balance_recorded',
  ['jsonb'],
  `select e.user_id, e.id, e.amount, e.balance_after, e.kind, e.reason, e.idempotency_key, e.counterparty_id,
          e.transfer_id, (select c.id from ledger_entries c
                            where c.transfer_id = e.transfer_id and c.kind = 'TRANSFER_IN') as counterpart_id
     from ledger_entries e
    where (e.user_id, e.idempotency_key) in
          (select (pair->>0)::integer, pair->>1 from jsonb_array_elements($1) as pair)`,
);

// One statement, atomic on its own, for every user of a round: the guarded updates and all their ledger rows.
// `$1` per user: [id, expected balance, expected version, change, number of changes, lowest, highest];
// `$2` per entry, in batch order: [user id, amount, offset (the batch's running change after it), kind,
// reason, idempotency_key, counterparty, transfer id]. Each row's balance becomes `balance + change`, and
// each entry's balance_after is the balance before the batch plus its offset.
// - A decided batch is guarded by the balance *and* the version its decision was made against: a user
//   restored to an earlier version, or changed by hand without a version bump, no longer matches, so a
//   decision made against a state that is not the row's is never written.
// - A batch of a user the process knows nothing of yet (expected version null) is written relatively: it
//   applies only if every one of its changes keeps the balance within 0 and 2^53-1 (`balance + lowest >= 0`,
//   `balance + highest <= max`), which is exactly when a decision against the row would accept them all. It
//   cannot overwrite what it has not seen: it adds to whatever the row holds.
// - Users whose condition fails come back without a row, and nothing of theirs is written (their entries join
//   `updated`).
// - `locked` takes the row locks in ascending id order before anything is updated: two rounds (or a round and a
//   transfer) lock in the same order, so they wait for each other instead of deadlocking. It returns each
//   row as it is once locked (a row another transaction was changing: as that one committed it), and the
//   conditions are checked against those values, not against the statement's snapshot taken before the wait.
// - The version moves by the number of entries: one version per committed change.
const WRITE = new PreparedStatement(
  'balance_write',
  ['jsonb', 'jsonb'],
  `with input as (
     select (u->>0)::integer as user_id, (u->>1)::bigint as expected_balance, (u->>2)::integer as expected_version,
            (u->>3)::bigint as change, (u->>4)::integer as changes, (u->>5)::bigint as lowest,
            (u->>6)::bigint as highest
       from jsonb_array_elements($1) as u
   ), locked as (
     select users.id as locked_id, users.balance as current_balance, users.version as current_version
       from users join input on input.user_id = users.id
      order by users.id
        for update of users
   ), applies as (
     select locked_id from locked join input on input.user_id = locked_id
      where (current_version = expected_version and current_balance = expected_balance)
         or (expected_version is null and current_balance + lowest >= 0
             and current_balance + highest <= ${MAX_BALANCE})
   ), updated as (
     update users set balance = users.balance + input.change, version = users.version + input.changes,
                      updated_at = now()
       from input join applies on applies.locked_id = input.user_id
      where users.id = input.user_id
     returning ${USER_COLUMNS}, input.change
   ), entries as (
     insert into ledger_entries (user_id, amount, balance_after, kind, reason, idempotency_key, counterparty_id,
                                 transfer_id)
     select updated.id, (e.item->>1)::bigint, updated.balance - updated.change + (e.item->>2)::bigint,
            e.item->>3, e.item->>4, e.item->>5, (e.item->>6)::integer, (e.item->>7)::uuid
       from jsonb_array_elements($2) with ordinality as e (item, position)
       join updated on updated.id = (e.item->>0)::integer
      order by e.position
     returning user_id, id
   ), ids as (
     select user_id, array_agg(id order by id) as entry_ids from entries group by user_id
   )
   select updated.*, ids.entry_ids from updated left join ids on ids.user_id = updated.id`,
);

// The payees' side of a round's transfers, after their payers' entries are written and with every row already
// locked (a transfer's round reads payers and payees FOR UPDATE, in id order). A credit cannot take a balance
// below zero, so it needs no guard: it adds to whatever the row holds. `$1`: [payee, amount, payer, transfer id]
// per credit, in order; each gets its entry with the balance right after it, and the version moves by one each.
const CREDIT = new PreparedStatement(
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
     insert into ledger_entries (user_id, amount, balance_after, kind, counterparty_id, transfer_id)
     select credit.payee, credit.amount,
            updated.balance - updated.total + sum(credit.amount) over (partition by credit.payee order by credit.position),
            'TRANSFER_IN', credit.payer, credit.transfer_id
       from credit join updated on updated.id = credit.payee
      order by credit.position
     returning id, user_id, balance_after, transfer_id
   )
   select entries.transfer_id, entries.id as entry_id, entries.balance_after,
          updated.version - updated.changes
            + (row_number() over (partition by entries.user_id order by entries.id))::integer as version_after,
          updated.id, updated.updated_ms
     from entries join updated on updated.id = entries.user_id`,
);

/** One transfer's credit to its payee. */
export interface CreditToWrite {
  payee: number;
  amount: number;
  payer: number;
  transferId: string;
}

/** What a committed batch wrote: the user after it, and the new entries' ids in the order of the batch. */
export interface WrittenBatch {
  state: UserState;
  entryIds: string[];
}

/**
 * One user's batch. Decided (`expected` set): written only if the user still is exactly `expected`. Relative
 * (`expected` undefined, for a user the process knows nothing of): written only if every change keeps the
 * balance in range, i.e. if a decision against the row would accept them all. `entries[i].balanceAfter` is
 * then relative to the balance before the batch (0), as `decideBatch(0, ops)` gives it.
 */
export interface BatchToWrite {
  userId: number;
  expected?: UserState;
  entries: readonly EntryToWrite[];
}

/** Whether a write failed because one of its idempotency keys is recorded for the user already. */
export function isKeyTaken(error: unknown): boolean {
  return isUniqueViolation(error, 'ledger_entries_idempotency_key_per_space_unique');
}

/** The SQL of the balance path; every statement runs in the caller's transaction. */
export class BalanceStore {
  constructor(private readonly sql: Sql) {}

  /** Runs `work` in one MikroORM transaction. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.sql.transaction(work);
  }

  /** The users among `userIds` that exist, by id; with `forUpdate`, row-locked (in id order) until the end. */
  async load(tx: Tx, userIds: readonly number[], forUpdate = false): Promise<Map<number, UserState>> {
    const statement = forUpdate ? LOAD_LOCKED : LOAD;
    const rows = await this.sql.rows<UserRow>(statement.call, [JSON.stringify(userIds)], tx);
    return new Map(rows.map((row) => [row.id, toUserState(row)]));
  }

  /**
   * Writes every batch whose user is still at its `expected` balance and version (or, relative, stays in range);
   * returns what was written, by user id. A user missing from the answer had nothing written. Throws what `isKeyTaken`
   * recognises when an idempotency key is recorded already (the transaction is then aborted).
   */
  async write(tx: Tx, batches: readonly BatchToWrite[]): Promise<Map<number, WrittenBatch>> {
    const start = (b: BatchToWrite) => b.expected?.balance ?? 0;
    const users = batches.map((b) => {
      const offsets = b.entries.map((e) => e.balanceAfter - start(b));
      return [
        b.userId,
        b.expected?.balance ?? null,
        b.expected?.version ?? null,
        offsets.at(-1) ?? 0,
        b.entries.length,
        Math.min(0, ...offsets),
        Math.max(0, ...offsets),
      ];
    });
    const entries = batches.flatMap((b) =>
      b.entries.map((e) => [
        b.userId,
        e.amount,
        e.balanceAfter - start(b),
        e.kind,
        e.reason,
        e.idempotencyKey,
        e.transfer?.payee ?? null,
        e.transfer?.transferId ?? null,
      ]),
    );
    const rows = await this.sql.rows<UserRow & { entry_ids: string[] }>(
      WRITE.call,
      [JSON.stringify(users), JSON.stringify(entries)],
      tx,
    );
    return new Map(rows.map((row) => [row.id, { state: toUserState(row), entryIds: row.entry_ids.map(String) }]));
  }

  /**
   * Credits the payees of transfers whose payer entries are written in this transaction, with every payee row
   * locked already (`payees`: as read under that lock). Returns, per transfer id, the payee right after its
   * credit and the credit's entry id.
   */
  async credit(
    tx: Tx,
    credits: readonly CreditToWrite[],
    payees: ReadonlyMap<number, UserState>,
  ): Promise<Map<string, { payee: UserState; entryId: string }>> {
    const rows = await this.sql.rows<{
      id: number;
      updated_ms: number;
      transfer_id: string;
      entry_id: string;
      balance_after: string;
      version_after: number;
    }>(CREDIT.call, [JSON.stringify(credits.map((c) => [c.payee, c.amount, c.payer, c.transferId]))], tx);
    return new Map(
      rows.map((row) => [
        row.transfer_id,
        {
          payee: changed(payees.get(row.id)!, {
            id: row.id,
            balance: row.balance_after,
            version: row.version_after,
            updated_ms: row.updated_ms,
          }),
          entryId: String(row.entry_id),
        },
      ]),
    );
  }

  /**
   * The ledger entries recorded under the given idempotency keys (in either key space), by user id and scoped
   * key.
   */
  async findRecorded(
    tx: Tx,
    keys: readonly { userId: number; key: string }[],
  ): Promise<Map<number, Map<string, RecordedEntry>>> {
    const rows = await this.sql.rows<{
      user_id: number;
      id: string;
      amount: string;
      balance_after: string;
      kind: LedgerEntryKind;
      reason: string | null;
      idempotency_key: string;
      counterparty_id: number | null;
      transfer_id: string | null;
      counterpart_id: string | null;
    }>(SELECT_RECORDED.call, [JSON.stringify(keys.map((k) => [k.userId, k.key]))], tx);
    const byUser = new Map<number, Map<string, RecordedEntry>>();
    for (const row of rows) {
      let recorded = byUser.get(row.user_id);
      if (!recorded) byUser.set(row.user_id, (recorded = new Map()));
      recorded.set(scopedKey(row.kind, row.idempotency_key), {
        id: String(row.id),
        amount: Number(row.amount),
        balanceAfter: Number(row.balance_after),
        kind: row.kind,
        reason: row.reason,
        transfer:
          row.transfer_id === null
            ? undefined
            : {
                payee: row.counterparty_id!,
                transferId: row.transfer_id,
                payeeEntryId: String(row.counterpart_id),
              },
      });
    }
    return byUser;
  }
}
