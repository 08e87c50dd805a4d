import type { HoldState, HoldStatus } from '../core/hold.js';
import type { RecordedKeySpace } from '../core/idempotency.js';
import type { RecordedAnswer } from '../core/key-records.js';
import type { LedgerEntryKind } from '../core/ledger.js';
import type { Refusal } from '../core/refusals.js';
import { DEFAULT_RULES } from '../core/rules.js';
import type { AccountStatus, UserState } from '../core/user.js';

// Rows as the stores read them, and their conversion to the domain's values.

// Timestamps as epoch milliseconds: pg returns timestamptz as text under MikroORM, in a format Date does not
// reliably parse.
// Today's debits are counted on the database's UTC date of the transaction (`now()`, as entries' created_at).
export const TODAY = `(now() at time zone 'utc')::date`;
// The rule columns travel as one value, null for the defaults (most accounts): each column read costs its output,
// and the balance path reads thousands of rows a second. The day is told only where a daily limit needs it.
export const USER_COLUMNS = `id, username, email, name, balance, held, version,
  case when min_balance = 0 and max_balance is null and daily_debit_limit is null and status = 'ACTIVE' then null
       else json_build_array(min_balance, max_balance, daily_debit_limit, status) end as rules,
  case when debit_day = ${TODAY} then debited_today else 0 end as debited_today,
  case when daily_debit_limit is not null then ${TODAY}::text end as counted_on,
  (extract(epoch from created_at) * 1000)::float8 as created_ms, (extract(epoch from updated_at) * 1000)::float8 as updated_ms`;

export interface UserRow {
  id: number;
  username: string;
  email: string | null;
  name: string | null;
  balance: string;
  held: string;
  version: number;
  /** [min_balance, max_balance, daily_debit_limit, status]; null: the defaults. */
  rules: [string | number, string | number | null, string | number | null, AccountStatus] | null;
  debited_today: string;
  counted_on: string | null;
  created_ms: number;
  updated_ms: number;
}

const orNull = (value: string | number | null) => (value === null ? null : Number(value));

export function toUserState(row: UserRow): UserState {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    name: row.name,
    balance: Number(row.balance),
    held: Number(row.held),
    version: row.version,
    ...(row.rules === null
      ? DEFAULT_RULES
      : {
          minBalance: Number(row.rules[0]),
          maxBalance: orNull(row.rules[1]),
          dailyDebitLimit: orNull(row.rules[2]),
          status: row.rules[3],
        }),
    debitedToday: Number(row.debited_today),
    countedOn: row.counted_on,
    createdAt: new Date(row.created_ms),
    updatedAt: new Date(row.updated_ms),
  };
}

/** A hold's columns; `expired`: open and past its expiry by the database's clock (the transaction's `now()`). */
export const HOLD_COLUMNS = `id, user_id, payee_id, amount, status, captured, reason, idempotency_key,
  (extract(epoch from expires_at) * 1000)::float8 as expires_ms, (extract(epoch from created_at) * 1000)::float8 as created_ms,
  (extract(epoch from ended_at) * 1000)::float8 as ended_ms, (status = 'OPEN' and expires_at <= now()) as expired`;

export interface HoldRow {
  id: string;
  user_id: number;
  payee_id: number | null;
  amount: string;
  status: HoldStatus;
  captured: string | null;
  reason: string | null;
  idempotency_key: string | null;
  expires_ms: number;
  created_ms: number;
  ended_ms: number | null;
  expired: boolean;
}

export function toHoldState(row: HoldRow): HoldState {
  return {
    id: Number(row.id),
    userId: row.user_id,
    payeeId: row.payee_id,
    amount: Number(row.amount),
    status: row.status,
    captured: row.captured === null ? null : Number(row.captured),
    reason: row.reason,
    idempotencyKey: row.idempotency_key,
    expiresAt: new Date(row.expires_ms),
    createdAt: new Date(row.created_ms),
    endedAt: row.ended_ms === null ? null : new Date(row.ended_ms),
    expired: row.expired,
  };
}

/** A row of `balance_recorded`: an entry recorded under a key, or (`refusal` set) a refusal. */
export interface RecordedRow {
  user_id: number;
  id: string;
  amount: string;
  balance_after: string;
  kind: LedgerEntryKind;
  reason: string | null;
  idempotency_key: string;
  key_space: RecordedKeySpace;
  request_digest: string | null;
  counterparty_id: number | null;
  transfer_id: string | null;
  counterpart_id: string | null;
  hold_id: string | null;
  hold_amount: string | null;
  hold_payee_id: number | null;
  refusal: Refusal | null;
}

export function toRecordedAnswer(row: RecordedRow): RecordedAnswer {
  if (row.refusal) return { space: row.key_space, request: row.request_digest, refusal: refusalOf(row.refusal) };
  return {
    id: String(row.id),
    space: row.key_space,
    request: row.request_digest,
    amount: Number(row.amount),
    balanceAfter: Number(row.balance_after),
    kind: row.kind,
    reason: row.reason,
    transfer:
      row.transfer_id === null
        ? undefined
        : { payee: row.counterparty_id!, transferId: row.transfer_id, payeeEntryId: String(row.counterpart_id) },
    hold:
      row.hold_id === null
        ? undefined
        : { id: Number(row.hold_id), amount: Number(row.hold_amount), payee: row.hold_payee_id },
  };
}

/** A refusal as stored (JSON): its dates back as dates. */
export function refusalOf(stored: Refusal): Refusal {
  return stored.type === 'HoldExpired' ? { ...stored, expiresAt: new Date(stored.expiresAt) } : stored;
}
