import type { Sql } from '../../db/sql.js';
import type { BalanceMonitor, MonitorDirection } from '../../core/webhook-events.js';

/** A webhook endpoint as the API shows it (never its secrets). */
export interface EndpointState {
  id: number;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  /** Until when the secret before the last rotation still signs deliveries; null when none does. */
  previousSecretUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface MonitorState extends BalanceMonitor {
  description: string | null;
}

interface EndpointRow {
  id: number;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  previous_secret_until: string | Date | null;
  created_at: string | Date;
  updated_at: string | Date;
}

/** An endpoint's previous secret while it still signs (its grace not over), else null; `table` qualifies it. */
export const PREVIOUS_SECRET = (table = 'webhook_endpoints') =>
  `case when ${table}.previous_secret_until > now() then ${table}.previous_secret end as previous_secret`;

const ENDPOINT_COLUMNS = `id, url, events, description, enabled,
  case when previous_secret_until > now() then previous_secret_until end as previous_secret_until,
  created_at, updated_at`;

const toEndpoint = (row: EndpointRow): EndpointState => ({
  id: row.id,
  url: row.url,
  events: row.events,
  description: row.description,
  enabled: row.enabled,
  previousSecretUntil: row.previous_secret_until === null ? null : new Date(row.previous_secret_until),
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
});

interface MonitorRow {
  id: number;
  user_id: number | null;
  direction: MonitorDirection;
  threshold: string;
  description: string | null;
  created_at: string | Date;
  deleted_at: string | Date | null;
}

export const MONITOR_COLUMNS = 'id, user_id, direction, threshold, description, created_at, deleted_at';

export const toMonitor = (row: MonitorRow): MonitorState => ({
  id: row.id,
  userId: row.user_id,
  direction: row.direction,
  threshold: Number(row.threshold),
  description: row.description,
  createdAt: new Date(row.created_at),
  deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at),
});

/** Endpoints and monitors: what admins set up. */
export class EndpointStore {
  constructor(private readonly sql: Sql) {}

  async create(
    url: string,
    events: readonly string[],
    description: string | null,
    secret: string,
  ): Promise<EndpointState> {
    const [row] = await this.sql.rows<EndpointRow>(
      `insert into webhook_endpoints (url, events, description, secret) values (?, ?::text[], ?, ?)
       returning ${ENDPOINT_COLUMNS}`,
      [url, toTextArray(events), description, secret],
    );
    return toEndpoint(row!);
  }

  async update(
    id: number,
    change: { url?: string; events?: readonly string[]; description?: string | null },
  ): Promise<EndpointState | undefined> {
    const [row] = await this.sql.rows<EndpointRow>(
      `update webhook_endpoints set url = coalesce(?, url), events = coalesce(?::text[], events),
              description = case when ? then ? else description end, updated_at = now()
        where id = ? and enabled returning ${ENDPOINT_COLUMNS}`,
      [
        change.url ?? null,
        change.events ? toTextArray(change.events) : null,
        change.description !== undefined,
        change.description ?? null,
        id,
      ],
    );
    return row && toEndpoint(row);
  }

  /** Disables an endpoint for good: its streams (what it had yet to receive) go with it. */
  async disable(id: number): Promise<EndpointState | undefined> {
    return this.sql.transaction(async (tx) => {
      const [row] = await this.sql.rows<EndpointRow>(
        `update webhook_endpoints set enabled = false, updated_at = now() where id = ? and enabled
         returning ${ENDPOINT_COLUMNS}`,
        [id],
        tx,
      );
      // In (endpoint, user) order, the order the dispatchers' fan-out locks streams in: no deadlock with it.
      if (row) {
        await this.sql.rows(
          `delete from webhook_streams where (endpoint_id, user_id) in
             (select endpoint_id, user_id from webhook_streams where endpoint_id = ? order by user_id for update)`,
          [id],
          tx,
        );
      }
      return row && toEndpoint(row);
    });
  }

  /** A new secret; the one it replaces keeps signing (alongside) for `graceSeconds`. */
  async rotate(id: number, secret: string, graceSeconds: number): Promise<EndpointState | undefined> {
    const [row] = await this.sql.rows<EndpointRow>(
      `update webhook_endpoints set previous_secret = secret, secret = ?,
              previous_secret_until = now() + make_interval(secs => ?), updated_at = now()
        where id = ? and enabled returning ${ENDPOINT_COLUMNS}`,
      [secret, graceSeconds, id],
    );
    return row && toEndpoint(row);
  }

  /** The secrets that sign an endpoint's deliveries now: its own, and the previous one during its grace. */
  async secrets(id: number): Promise<string[]> {
    const [row] = await this.sql.rows<{ secret: string; previous_secret: string | null }>(
      `select secret, ${PREVIOUS_SECRET()} from webhook_endpoints where id = ?`,
      [id],
    );
    if (!row) return [];
    return row.previous_secret === null ? [row.secret] : [row.secret, row.previous_secret];
  }

  async list(): Promise<EndpointState[]> {
    const rows = await this.sql.rows<EndpointRow>(`select ${ENDPOINT_COLUMNS} from webhook_endpoints order by id`);
    return rows.map(toEndpoint);
  }

  async find(id: number): Promise<EndpointState | undefined> {
    const [row] = await this.sql.rows<EndpointRow>(`select ${ENDPOINT_COLUMNS} from webhook_endpoints where id = ?`, [
      id,
    ]);
    return row && toEndpoint(row);
  }

  async createMonitor(
    userId: number | null,
    direction: MonitorDirection,
    threshold: number,
    description: string | null,
  ): Promise<MonitorState | undefined> {
    // A monitor of one user needs the user: none is made for an id that does not exist.
    const [row] = await this.sql.rows<MonitorRow>(
      `insert into balance_monitors (user_id, direction, threshold, description)
       select ?::integer, ?, ?, ? where ?::integer is null or exists (select 1 from users where id = ?)
       returning ${MONITOR_COLUMNS}`,
      [userId, direction, threshold, description, userId, userId],
    );
    return row && toMonitor(row);
  }

  async deleteMonitor(id: number): Promise<MonitorState | undefined> {
    const [row] = await this.sql.rows<MonitorRow>(
      `update balance_monitors set deleted_at = now() where id = ? and deleted_at is null returning ${MONITOR_COLUMNS}`,
      [id],
    );
    return row && toMonitor(row);
  }

  async monitors(): Promise<MonitorState[]> {
    const rows = await this.sql.rows<MonitorRow>(
      `select ${MONITOR_COLUMNS} from balance_monitors where deleted_at is null order by id`,
    );
    return rows.map(toMonitor);
  }
}

/** A PostgreSQL text[] literal of plain strings (event types: letters, dots, underscores, `*`). */
function toTextArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}
