import { invalidInput, userNotFound, type InvalidInput, type UserNotFound } from '../../core/refusals.js';
import { eventsOf, isWebhookEventType, parseWebhookEventId, type MonitorDirection } from '../../core/webhook-events.js';
import { webhookUrlProblem } from '../../core/webhook-url.js';
import type { WebhookConfig } from '../../webhook-config.js';
import type { Sql } from '../../db/sql.js';
import { sendWebhookEvent } from '../../http/webhook-send.js';
import { newWebhookSecret } from '../../http/webhook-signature.js';
import { pageSize } from '../common/connection.types.js';
import { checkText } from '../common/text.js';
import { parseUserId } from '../common/user-id.js';
import { DeliveryStore, type DeliveryState, type DeliveryStatus } from './delivery.store.js';
import { EndpointStore, type EndpointState, type MonitorState } from './endpoint.store.js';

// Outcomes of the webhook API as plain values; `type` names the GraphQL type that shows each.

export interface WebhookEndpointNotFound {
  readonly type: 'WebhookEndpointNotFound';
  code: 'WEBHOOK_ENDPOINT_NOT_FOUND';
  message: string;
  endpointId: string;
}

export interface WebhookEventNotFound {
  readonly type: 'WebhookEventNotFound';
  code: 'WEBHOOK_EVENT_NOT_FOUND';
  message: string;
  eventId: string;
}

export interface BalanceMonitorNotFound {
  readonly type: 'BalanceMonitorNotFound';
  code: 'BALANCE_MONITOR_NOT_FOUND';
  message: string;
  monitorId: string;
}

export type EndpointOutcome =
  | { readonly type: 'WebhookEndpointCreated' | 'WebhookSecretRotated'; endpoint: EndpointState; secret: string }
  | { readonly type: 'WebhookEndpointUpdated' | 'WebhookEndpointDisabled'; endpoint: EndpointState }
  | WebhookEndpointNotFound
  | InvalidInput;

export type RedeliverOutcome =
  { readonly type: 'WebhookRedelivered'; deliveries: DeliveryState[] } | WebhookEventNotFound | WebhookEndpointNotFound;

export type MonitorOutcome =
  | { readonly type: 'BalanceMonitorCreated' | 'BalanceMonitorDeleted'; monitor: MonitorState }
  | BalanceMonitorNotFound
  | UserNotFound
  | InvalidInput;

/** Every event type, for an endpoint that wants them all (and those added later). */
export const ALL_EVENTS = '*';
const MAX_EVENT_TYPES = 32;
const MAX_DESCRIPTION = 500;
/** The longest a rotated-out secret may keep signing. */
const MAX_GRACE_SECONDS = 30 * 86_400;

/** Endpoint and monitor ids are PostgreSQL integers, like user ids. */
const parseId = parseUserId;

function endpointNotFound(endpointId: string): WebhookEndpointNotFound {
  const message = `Webhook endpoint ${JSON.stringify(endpointId)} not found (or disabled)`;
  return { type: 'WebhookEndpointNotFound', code: 'WEBHOOK_ENDPOINT_NOT_FOUND', message, endpointId };
}

/** Endpoints (admins), monitors (staff), the deliveries' state, and redelivery of one event. */
export class WebhookService {
  private readonly endpoints: EndpointStore;
  private readonly deliveriesStore: DeliveryStore;

  constructor(
    sql: Sql,
    private readonly config: WebhookConfig,
  ) {
    this.endpoints = new EndpointStore(sql);
    this.deliveriesStore = new DeliveryStore(sql);
  }

  private urlProblem(url: string): InvalidInput | undefined {
    const text = checkText('url', url, 2048, 1);
    if (text) return text;
    const problem = webhookUrlProblem(url, this.config);
    return problem === undefined ? undefined : invalidInput('url', problem);
  }

  private eventsProblem(events: readonly string[]): InvalidInput | undefined {
    if (events.length === 0) return invalidInput('events', 'Name at least one event type, or "*" for every type');
    if (events.length > MAX_EVENT_TYPES) return invalidInput('events', `At most ${MAX_EVENT_TYPES} event types`);
    const unknown = events.find((type) => type !== ALL_EVENTS && !isWebhookEventType(type));
    if (unknown !== undefined) {
      return invalidInput('events', `Unknown event type ${JSON.stringify(unknown)} (see docs/webhooks.md)`);
    }
    return undefined;
  }

  async create(url: string, events: readonly string[], description: string | null): Promise<EndpointOutcome> {
    const problem =
      this.urlProblem(url) ?? this.eventsProblem(events) ?? checkText('description', description, MAX_DESCRIPTION);
    if (problem) return problem;
    const secret = newWebhookSecret();
    const endpoint = await this.endpoints.create(url, [...new Set(events)], description, secret);
    return { type: 'WebhookEndpointCreated', endpoint, secret };
  }

  async update(
    rawId: string,
    change: { url?: string | null; events?: readonly string[] | null; description?: string | null },
  ): Promise<EndpointOutcome> {
    const id = parseId(rawId);
    if (id === undefined) return endpointNotFound(rawId);
    const problem =
      (change.url != null ? this.urlProblem(change.url) : undefined) ??
      (change.events != null ? this.eventsProblem(change.events) : undefined) ??
      checkText('description', change.description, MAX_DESCRIPTION);
    if (problem) return problem;
    const endpoint = await this.endpoints.update(id, {
      ...(change.url != null && { url: change.url }),
      ...(change.events != null && { events: [...new Set(change.events)] }),
      ...(change.description !== undefined && { description: change.description }),
    });
    return endpoint ? { type: 'WebhookEndpointUpdated', endpoint } : endpointNotFound(rawId);
  }

  async disable(rawId: string): Promise<EndpointOutcome> {
    const id = parseId(rawId);
    const endpoint = id === undefined ? undefined : await this.endpoints.disable(id);
    return endpoint ? { type: 'WebhookEndpointDisabled', endpoint } : endpointNotFound(rawId);
  }

  async rotate(rawId: string, graceSeconds: number | null | undefined): Promise<EndpointOutcome> {
    const grace = graceSeconds ?? Math.round(this.config.secretGraceMs / 1000);
    if (!Number.isSafeInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS) {
      return invalidInput('graceSeconds', `graceSeconds must be from 0 to ${MAX_GRACE_SECONDS}`);
    }
    const id = parseId(rawId);
    if (id === undefined) return endpointNotFound(rawId);
    const secret = newWebhookSecret();
    const endpoint = await this.endpoints.rotate(id, secret, grace);
    return endpoint ? { type: 'WebhookSecretRotated', endpoint, secret } : endpointNotFound(rawId);
  }

  list(): Promise<EndpointState[]> {
    return this.endpoints.list();
  }

  async deliveries(
    rawEndpointId: string,
    status: DeliveryStatus | null | undefined,
    first: number | null | undefined,
  ): Promise<DeliveryState[]> {
    const id = parseId(rawEndpointId);
    if (id === undefined) return [];
    return this.deliveriesStore.deliveries(id, status ?? null, pageSize(first));
  }

  /**
   * Sends one event again now, to one endpoint or to every enabled endpoint that takes its type, whatever its
   * earlier deliveries (a FAILED one becomes DELIVERED on a 2xx). Outside the streams: it does not wait for, or
   * hold up, the user's other events.
   */
  async redeliver(eventId: string, rawEndpointId: string | null | undefined): Promise<RedeliverOutcome> {
    const notFound: WebhookEventNotFound = {
      type: 'WebhookEventNotFound',
      code: 'WEBHOOK_EVENT_NOT_FOUND',
      message: `Webhook event ${JSON.stringify(eventId)} not found`,
      eventId,
    };
    const parsed = parseWebhookEventId(eventId);
    const entry = parsed && (await this.deliveriesStore.entry(parsed.entryId));
    if (!parsed || !entry) return notFound;
    const event = eventsOf(entry, await this.deliveriesStore.monitorsOf([entry.userId])).find(
      (candidate) => candidate.slot === parsed.slot,
    );
    if (!event) return notFound;
    let targets = (await this.endpoints.list()).filter((endpoint) => endpoint.enabled);
    if (rawEndpointId != null) {
      targets = targets.filter((endpoint) => String(endpoint.id) === rawEndpointId);
      if (targets.length === 0) return endpointNotFound(rawEndpointId);
    } else {
      targets = targets.filter(
        (endpoint) => endpoint.events.includes(ALL_EVENTS) || endpoint.events.includes(event.type),
      );
    }
    const deliveries = await Promise.all(
      targets.map(async (endpoint) => {
        const secrets = await this.endpoints.secrets(endpoint.id);
        const attemptedAt = new Date();
        const result = await sendWebhookEvent(endpoint.url, secrets, event, attemptedAt, {
          timeoutMs: this.config.timeoutMs,
          policy: this.config,
        });
        const existing = await this.deliveriesStore.delivery(endpoint.id, event.id);
        return this.deliveriesStore.recordOne(endpoint.id, {
          eventId: event.id,
          userId: event.userId,
          entryId: event.entryId,
          type: event.type,
          // A failed redelivery leaves a delivery as it was (a stream may still be retrying it).
          status: result.ok ? 'DELIVERED' : (existing?.status ?? 'FAILED'),
          attempts: 1,
          responseStatus: result.status,
          error: result.error,
          attemptedAt,
          nextAttemptAt: result.ok ? null : (existing?.nextAttemptAt ?? null),
        });
      }),
    );
    return { type: 'WebhookRedelivered', deliveries };
  }

  async createMonitor(
    rawUserId: string | null | undefined,
    direction: MonitorDirection,
    threshold: number,
    description: string | null | undefined,
  ): Promise<MonitorOutcome> {
    const problem = checkText('description', description, MAX_DESCRIPTION);
    if (problem) return problem;
    let userId: number | null = null;
    if (rawUserId != null) {
      const parsed = parseUserId(rawUserId);
      if (parsed === undefined) return userNotFound(rawUserId);
      userId = parsed;
    }
    const monitor = await this.endpoints.createMonitor(userId, direction, threshold, description ?? null);
    return monitor ? { type: 'BalanceMonitorCreated', monitor } : userNotFound(rawUserId!);
  }

  async deleteMonitor(rawId: string): Promise<MonitorOutcome> {
    const id = parseId(rawId);
    const monitor = id === undefined ? undefined : await this.endpoints.deleteMonitor(id);
    if (monitor) return { type: 'BalanceMonitorDeleted', monitor };
    const message = `Balance monitor ${JSON.stringify(rawId)} not found (or deleted)`;
    return { type: 'BalanceMonitorNotFound', code: 'BALANCE_MONITOR_NOT_FOUND', message, monitorId: rawId };
  }

  monitors(): Promise<MonitorState[]> {
    return this.endpoints.monitors();
  }
}
