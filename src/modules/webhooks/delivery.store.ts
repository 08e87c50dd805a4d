import type { LedgerEntryKind } from '../../core/ledger.js';
import type { BalanceMonitor, EventEntry } from '../../core/webhook-events.js';
import type { Sql } from '../../db/sql.js';
import { MONITOR_COLUMNS, PREVIOUS_SECRET, toMonitor } from './endpoint.store.js';

// The delivery state (migration Migration20261206040000_webhooks): the outbox the ledger fills, the streams (per
// endpoint and user) the dispatcher claims, and the deliveries it records.

/** A stream claimed by one process until `lease` ends, with what it needs to deliver. */
export interface ClaimedStream {
  endpointId: number;
  userId: number;
  cursorEntryId: number;
  cursorSlot: number;
  cursorVersion: number | null;
  /** The last entry announced for the user. */
  knownEntryId: number;
  lease: number;
  failures: number;
  failingSince: Date | null;
  url: string;
  events: string[];
  /** The current secret, and the previous one while it still signs. */
  secrets: string[];
}

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/** One event's delivery to one endpoint, as recorded. */
export interface DeliveryRecord {
  eventId: string;
  userId: number;
  entryId: number;
  type: string;
  status: DeliveryStatus;
  /** Attempts made now (added to those recorded before). */
  attempts: number;
  responseStatus: number | null;
  error: string | null;
  attemptedAt: Date;
  nextAttemptAt: Date | null;
}

/** Where a stream stands after a run: its cursor, and when it is due again if its head failed. */
export interface StreamProgress {
  cursorEntryId: number;
  cursorSlot: number;
  cursorVersion: number | null;
  failures: number;
  failingSince: Date | null;
  retryAt: Date | null;
}

/** Which endpoints' streams a claim takes: only one's, or all but some (default: all). */
export interface EndpointChoice {
  only?: number;
  except?: readonly number[];
}

/** One run of a stream, as recorded. */
export interface RecordedRun {
  stream: ClaimedStream;
  progress: StreamProgress;
  deliveries: DeliveryRecord[];
}

export interface DeliveryState extends Omit<DeliveryRecord, 'attemptedAt'> {
  endpointId: number;
  firstAttemptAt: Date;
  lastAttemptAt: Date;
}

interface EntryRow {
  id: string;
  user_id: number;
  amount: string;
  balance_after: string;
  held_after: string;
  kind: LedgerEntryKind;
  reason: string | null;
  idempotency_key: string | null;
  counterparty_id: number | null;
  transfer_id: string | null;
  hold_id: string | null;
  hold_amount: string | null;
  details: Record<string, unknown> | null;
  created_at: string | Date;
  version: number;
}

const toEntry = (row: EntryRow): EventEntry => ({
  id: Number(row.id),
  userId: row.user_id,
  kind: row.kind,
  amount: Number(row.amount),
  balanceAfter: Number(row.balance_after),
  heldAfter: Number(row.held_after),
  version: Number(row.version),
  reason: row.reason,
  idempotencyKey: row.idempotency_key,
  counterpartyId: row.counterparty_id,
  transferId: row.transfer_id,
  holdId: row.hold_id === null ? null : Number(row.hold_id),
  holdAmount: row.hold_amount === null ? null : Number(row.hold_amount),
  details: row.details,
  createdAt: new Date(row.created_at),
});

const ENTRY_COLUMNS = `e.id, e.user_id, e.amount, e.balance_after, e.held_after, e.kind, e.reason, e.idempotency_key,
  e.counterparty_id, e.transfer_id, e.hold_id, h.amount as hold_amount, e.details, e.created_at`;

interface DeliveryRow {
  endpoint_id: number;
  event_id: string;
  user_id: number;
  entry_id: string;
  type: string;
  status: DeliveryStatus;
  attempts: number;
  response_status: number | null;
  error: string | null;
  first_attempt_at: string | Date;
  last_attempt_at: string | Date;
  next_attempt_at: string | Date | null;
}

const toDelivery = (row: DeliveryRow): DeliveryState => ({
  endpointId: row.endpoint_id,
  eventId: row.event_id,
  userId: row.user_id,
  entryId: Number(row.entry_id),
  type: row.type,
  status: row.status,
  attempts: row.attempts,
  responseStatus: row.response_status,
  error: row.error,
  firstAttemptAt: new Date(row.first_attempt_at),
  lastAttemptAt: new Date(row.last_attempt_at),
  nextAttemptAt: row.next_attempt_at === null ? null : new Date(row.next_attempt_at),
});

/**
 * One fan-out at a time (a transaction-scoped advisory lock; the others skip their turn): two processes moving
 * different outbox rows of one user at once could create its stream from the later range first, and the earlier
 * entries would lie behind the new stream's cursor. One at a time, ranges go in outbox order.
 */
const FAN_OUT_LOCK_KEY = 7_160_555;

const ON_CONFLICT = `on conflict (endpoint_id, event_id) do update
    set status = excluded.status, attempts = webhook_deliveries.attempts + excluded.attempts,
        response_status = excluded.response_status, error = excluded.error,
        last_attempt_at = excluded.last_attempt_at, next_attempt_at = excluded.next_attempt_at`;

const RECORD_DELIVERIES = `insert into webhook_deliveries (endpoint_id, event_id, user_id, entry_id, type, status, attempts,
                                  response_status, error, first_attempt_at, last_attempt_at, next_attempt_at)
  select ?::integer, d->>'eventId', (d->>'userId')::integer, (d->>'entryId')::bigint, d->>'type', d->>'status',
         (d->>'attempts')::integer, (d->>'responseStatus')::integer, d->>'error', (d->>'attemptedAt')::timestamptz,
         (d->>'attemptedAt')::timestamptz, (d->>'nextAttemptAt')::timestamptz
    from jsonb_array_elements(?::jsonb) as d
  ${ON_CONFLICT}`;

export class DeliveryStore {
  constructor(private readonly sql: Sql) {}

  /**
   * Moves up to `limit` outbox rows (0 when another process is moving some now) into the streams of the enabled endpoints created before the rows' transactions
   * began; answers how many it took. A new stream starts right before the user's first announced entry; an idle one becomes due now, one waiting for a retry
   * keeps its time. Streams are written in (endpoint, user) order, the same in every process.
   */
  async fanOut(limit: number): Promise<number> {
    const [row] = await this.sql.rows<{ taken: string }>(
      `with allowed as (
         select pg_try_advisory_xact_lock(${FAN_OUT_LOCK_KEY}) as ok
       ), taken as (
         delete from webhook_outbox
          where id in (select id from webhook_outbox where (select ok from allowed) order by id limit ? for update)
         returning user_ids, first_entry_ids, last_entry_ids, created_at
       ), announced as (
         select announced.*, taken.created_at
           from taken, unnest(taken.user_ids, taken.first_entry_ids, taken.last_entry_ids)
                         as announced (user_id, first_entry_id, last_entry_id)
       ), streams as (
         insert into webhook_streams (endpoint_id, user_id, cursor_entry_id, known_entry_id)
         select endpoint.id, announced.user_id, min(announced.first_entry_id) - 1, max(announced.last_entry_id)
           from announced join webhook_endpoints as endpoint
             on endpoint.enabled and endpoint.created_at <= announced.created_at
          group by endpoint.id, announced.user_id
          order by endpoint.id, announced.user_id
         on conflict (endpoint_id, user_id) do update
           set known_entry_id = greatest(webhook_streams.known_entry_id, excluded.known_entry_id),
               due_at = case when webhook_streams.pending then webhook_streams.due_at else now() end
         returning 1
       )
       select (select count(*) from taken) as taken, (select count(*) from streams) as streams`,
      [limit],
    );
    return Number(row!.taken);
  }

  /** Up to `limit` due streams (of one endpoint, or of all but some), each leased to the caller for `leaseMs` (due again then, should it die). */
  async claim(limit: number, leaseMs: number, endpoints: EndpointChoice = {}): Promise<ClaimedStream[]> {
    const rows = await this.sql.rows<{
      endpoint_id: number;
      user_id: number;
      cursor_entry_id: string;
      cursor_slot: string;
      cursor_version: number | null;
      known_entry_id: string;
      lease: string;
      failures: number;
      failing_since: string | Date | null;
      url: string;
      events: string[];
      secret: string;
      previous_secret: string | null;
    }>(
      `update webhook_streams as s set due_at = now() + make_interval(secs => ?::float8 / 1000), lease = s.lease + 1
         from (select endpoint_id, user_id from webhook_streams
                where pending and due_at <= now() and (?::integer is null or endpoint_id = ?)
                  and endpoint_id <> all(?::integer[])
                order by due_at limit ? for update skip locked) as due,
              webhook_endpoints as endpoint
        where s.endpoint_id = due.endpoint_id and s.user_id = due.user_id and endpoint.id = s.endpoint_id
          and endpoint.enabled
       returning s.endpoint_id, s.user_id, s.cursor_entry_id, s.cursor_slot, s.cursor_version, s.known_entry_id, s.lease, s.failures,
                 s.failing_since, endpoint.url, endpoint.events, endpoint.secret,
                 ${PREVIOUS_SECRET('endpoint')}`,
      [leaseMs, endpoints.only ?? null, endpoints.only ?? null, `{${(endpoints.except ?? []).join(',')}}`, limit],
    );
    return rows.map((row) => ({
      endpointId: row.endpoint_id,
      userId: row.user_id,
      cursorEntryId: Number(row.cursor_entry_id),
      cursorSlot: Number(row.cursor_slot),
      cursorVersion: row.cursor_version,
      knownEntryId: Number(row.known_entry_id),
      lease: Number(row.lease),
      failures: row.failures,
      failingSince: row.failing_since === null ? null : new Date(row.failing_since),
      url: row.url,
      events: row.events,
      secrets: row.previous_secret === null ? [row.secret] : [row.secret, row.previous_secret],
    }));
  }

  /**
   * For each stream, up to `limit` of its user's entries after its cursor, in order, each with the user's version
   * after it: the stream's `cursorVersion` plus its place, or when unknown the user's version less the entries
   * after it (one statement: one snapshot). The same user may come twice (for two endpoints).
   */
  async entriesAfter(streams: readonly ClaimedStream[], limit: number): Promise<EventEntry[][]> {
    if (streams.length === 0) return [];
    const rows = await this.sql.rows<EntryRow & { stream: string }>(
      `with wanted as (
         select (w->>0)::integer as user_id, (w->>1)::bigint as after_id, (w->>2)::integer as version_after,
                position
           from jsonb_array_elements(?::jsonb) with ordinality as input (w, position)
       )
       select wanted.position as stream, chunk.*,
              coalesce(wanted.version_after,
                       (select version from users where id = wanted.user_id)
                       - (select count(*) from ledger_entries l
                           where l.user_id = wanted.user_id and l.id > wanted.after_id)::integer) + chunk.place
                as version
         from wanted cross join lateral (
           select ${ENTRY_COLUMNS}, row_number() over (order by e.id) as place
             from ledger_entries e left join holds h on h.user_id = e.user_id and h.id = e.hold_id
            where e.user_id = wanted.user_id and e.id > wanted.after_id
            order by e.id limit ?
         ) as chunk
        order by wanted.position, chunk.id`,
      [JSON.stringify(streams.map((stream) => [stream.userId, stream.cursorEntryId, stream.cursorVersion])), limit],
    );
    const entries: EventEntry[][] = streams.map(() => []);
    for (const row of rows) entries[Number(row.stream) - 1]!.push(toEntry(row));
    return entries;
  }

  /** One entry with the user's version after it (for a redelivery). */
  async entry(entryId: number): Promise<EventEntry | undefined> {
    const [row] = await this.sql.rows<EntryRow>(
      `select ${ENTRY_COLUMNS},
              (select version from users where id = e.user_id)
              - (select count(*) from ledger_entries l where l.user_id = e.user_id and l.id > e.id)::integer as version
         from ledger_entries e left join holds h on h.user_id = e.user_id and h.id = e.hold_id
        where e.id = ?`,
      [entryId],
    );
    return row && toEntry(row);
  }

  /** The monitors that may watch these users' entries (their own and those of every user), deleted ones too. */
  async monitorsOf(userIds: readonly number[]): Promise<BalanceMonitor[]> {
    const rows = await this.sql.rows<Parameters<typeof toMonitor>[0]>(
      `select ${MONITOR_COLUMNS} from balance_monitors where user_id = any(?::integer[]) or user_id is null`,
      [`{${userIds.join(',')}}`],
    );
    return rows.map(toMonitor);
  }

  /**
   * Records runs of streams: their deliveries and new cursors, each only while the caller still holds its lease
   * (one statement for all; streams locked in (endpoint, user) order, as the fan-out locks them). Answers the
   * runs recorded; one whose lease was lost (ran out and taken by another process, or the endpoint was disabled)
   * writes nothing, and the other process delivers its events again (at least once, under the same ids).
   */
  async record(runs: readonly RecordedRun[]): Promise<Set<RecordedRun>> {
    if (runs.length === 0) return new Set();
    const rows = await this.sql.rows<{ position: string }>(
      `with input as (
         select (r->>0)::integer as endpoint_id, (r->>1)::integer as user_id, (r->>2)::bigint as lease,
                (r->>3)::bigint as cursor_entry_id, (r->>4)::bigint as cursor_slot, (r->>5)::integer as cursor_version,
                (r->>6)::integer as failures, (r->>7)::timestamptz as failing_since,
                (r->>8)::timestamptz as retry_at, r->9 as deliveries, position
           from jsonb_array_elements(?::jsonb) with ordinality as runs (r, position)
       ), locked as (
         select s.endpoint_id, s.user_id from webhook_streams s
           join input on input.endpoint_id = s.endpoint_id and input.user_id = s.user_id and input.lease = s.lease
          order by s.endpoint_id, s.user_id
            for update of s
       ), stream as (
         update webhook_streams s
            set cursor_entry_id = input.cursor_entry_id, cursor_slot = input.cursor_slot,
                cursor_version = input.cursor_version, failures = input.failures,
                failing_since = input.failing_since, due_at = coalesce(input.retry_at, now())
           from input join locked using (endpoint_id, user_id)
          where s.endpoint_id = input.endpoint_id and s.user_id = input.user_id and s.lease = input.lease
         returning s.endpoint_id, s.user_id
       ), recorded as (
         insert into webhook_deliveries (endpoint_id, event_id, user_id, entry_id, type, status, attempts,
                                         response_status, error, first_attempt_at, last_attempt_at, next_attempt_at)
         select input.endpoint_id, d->>'eventId', input.user_id, (d->>'entryId')::bigint, d->>'type', d->>'status',
                (d->>'attempts')::integer, (d->>'responseStatus')::integer, d->>'error',
                (d->>'attemptedAt')::timestamptz, (d->>'attemptedAt')::timestamptz, (d->>'nextAttemptAt')::timestamptz
           from input join stream using (endpoint_id, user_id)
          cross join jsonb_array_elements(input.deliveries) as d
         ${ON_CONFLICT}
         returning 1
       )
       select input.position from input join stream using (endpoint_id, user_id)`,
      [
        JSON.stringify(
          runs.map(({ stream, progress, deliveries }) => [
            stream.endpointId,
            stream.userId,
            stream.lease,
            progress.cursorEntryId,
            progress.cursorSlot,
            progress.cursorVersion,
            progress.failures,
            progress.failingSince,
            progress.retryAt,
            deliveries,
          ]),
        ),
      ],
    );
    return new Set(rows.map((row) => runs[Number(row.position) - 1]!));
  }

  /** Deletes up to `limit` DELIVERED deliveries last attempted more than `retentionMs` ago; answers how many. */
  async forgetDelivered(retentionMs: number, limit: number): Promise<number> {
    const rows = await this.sql.rows(
      `delete from webhook_deliveries where (endpoint_id, event_id) in (
         select endpoint_id, event_id from webhook_deliveries
          where status = 'DELIVERED' and last_attempt_at < now() - make_interval(secs => ?::float8 / 1000)
          limit ?)
       returning 1`,
      [retentionMs, limit],
    );
    return rows.length;
  }

  /** Records a delivery made outside the streams (a redelivery). */
  async recordOne(endpointId: number, delivery: DeliveryRecord): Promise<DeliveryState> {
    await this.sql.rows(RECORD_DELIVERIES, [endpointId, JSON.stringify([delivery])]);
    return (await this.delivery(endpointId, delivery.eventId))!;
  }

  async delivery(endpointId: number, eventId: string): Promise<DeliveryState | undefined> {
    const [row] = await this.sql.rows<DeliveryRow>(
      'select * from webhook_deliveries where endpoint_id = ? and event_id = ?',
      [endpointId, eventId],
    );
    return row && toDelivery(row);
  }

  /** An endpoint's deliveries, latest attempt first, optionally of one status. */
  async deliveries(endpointId: number, status: DeliveryStatus | null, limit: number): Promise<DeliveryState[]> {
    const rows = await this.sql.rows<DeliveryRow>(
      `select * from webhook_deliveries where endpoint_id = ? and (?::text is null or status = ?)
        order by last_attempt_at desc, entry_id desc limit ?`,
      [endpointId, status, status, limit],
    );
    return rows.map(toDelivery);
  }
}
