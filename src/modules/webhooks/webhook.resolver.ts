import { GraphQLSafeInt } from 'graphql-scalars';
import { Arg, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { adminOnly, staffOnly } from '../auth/access.js';
import { Access } from '../auth/access.js';
import type { DeliveryState } from './delivery.store.js';
import type { EndpointState, MonitorState } from './endpoint.store.js';
import {
  CreateBalanceMonitorResult,
  CreateWebhookEndpointResult,
  DeleteBalanceMonitorResult,
  DisableWebhookEndpointResult,
  RedeliverWebhookEventResult,
  RotateWebhookSecretResult,
  UpdateWebhookEndpointResult,
} from './webhook.results.js';
import type { EndpointOutcome, MonitorOutcome, RedeliverOutcome } from './webhook.service.js';
import { WebhookService } from './webhook.service.js';
import {
  BalanceMonitor,
  BalanceMonitorDirection,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
} from './webhook.types.js';

/** Webhooks out: endpoints and deliveries (admins), balance monitors (staff). See docs/webhooks.md. */
@Resolver()
export class WebhookResolver {
  constructor(private readonly webhooks: WebhookService) {}

  @Mutation(() => CreateWebhookEndpointResult, {
    description:
      'Registers a URL to receive signed events (Standard Webhooks) of changes committed from now on. The answer ' +
      'carries the signing secret, shown this once. https, or http to a host of WEBHOOK_HTTP_HOSTS (loopback by ' +
      'default). An admin only.',
  })
  @Access(adminOnly('manage webhook endpoints'))
  createWebhookEndpoint(
    @Arg('url', () => String, { description: 'Where events are POSTed.' }) url: string,
    @Arg('events', () => [String], { description: 'Event types to receive (docs/webhooks.md), or "*" for all.' })
    events: string[],
    @Arg('description', () => String, { nullable: true, description: 'What it is for.' }) description?: string | null,
  ): Promise<EndpointOutcome> {
    return this.webhooks.create(url, events, description ?? null);
  }

  @Mutation(() => UpdateWebhookEndpointResult, {
    description: "Changes an enabled endpoint's URL, event types or description (omitted: unchanged). An admin only.",
  })
  @Access(adminOnly('manage webhook endpoints'))
  updateWebhookEndpoint(
    @Arg('id', () => ID, { description: 'The endpoint.' }) id: string,
    @Arg('url', () => String, { nullable: true, description: 'The new URL.' }) url?: string | null,
    @Arg('events', () => [String], { nullable: true, description: 'The new event types.' }) events?: string[] | null,
    @Arg('description', () => String, { nullable: true, description: 'The new description.' })
    description?: string | null,
  ): Promise<EndpointOutcome> {
    return this.webhooks.update(id, { url, events, ...(description !== undefined && { description }) });
  }

  @Mutation(() => DisableWebhookEndpointResult, {
    description: 'Disables an endpoint for good: it receives nothing more, and what it had yet to receive is dropped.',
  })
  @Access(adminOnly('manage webhook endpoints'))
  disableWebhookEndpoint(@Arg('id', () => ID, { description: 'The endpoint.' }) id: string): Promise<EndpointOutcome> {
    return this.webhooks.disable(id);
  }

  @Mutation(() => RotateWebhookSecretResult, {
    description:
      'Gives the endpoint a new signing secret (shown once). For graceSeconds (default WEBHOOK_SECRET_GRACE, 24 h) ' +
      'deliveries carry a signature with each secret, so the receiver can switch without losing one. An admin only.',
  })
  @Access(adminOnly('manage webhook endpoints'))
  rotateWebhookSecret(
    @Arg('id', () => ID, { description: 'The endpoint.' }) id: string,
    @Arg('graceSeconds', () => Int, {
      nullable: true,
      description: 'How long the old secret also signs (0 to 2592000).',
    })
    graceSeconds?: number | null,
  ): Promise<EndpointOutcome> {
    return this.webhooks.rotate(id, graceSeconds);
  }

  @Query(() => [WebhookEndpoint], { description: 'Every webhook endpoint, enabled or not. An admin only.' })
  @Access(adminOnly('read webhook endpoints'))
  webhookEndpoints(): Promise<EndpointState[]> {
    return this.webhooks.list();
  }

  @Query(() => [WebhookDelivery], {
    description: "An endpoint's deliveries, latest attempt first: attempts, answers, next retry. An admin only.",
  })
  @Access(adminOnly('read webhook deliveries'))
  webhookDeliveries(
    @Arg('endpointId', () => ID, { description: 'The endpoint.' }) endpointId: string,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true, description: 'Only deliveries in this state.' })
    status?: WebhookDeliveryStatus | null,
    @Arg('first', () => Int, { nullable: true, description: 'How many (default 20, at most 100).' })
    first?: number | null,
  ): Promise<DeliveryState[]> {
    return this.webhooks.deliveries(endpointId, status, first);
  }

  @Mutation(() => RedeliverWebhookEventResult, {
    description:
      'Sends one event again now (same id, payload and a fresh signature) to one endpoint, or to every enabled ' +
      'endpoint taking its type; answers after the attempts (each within WEBHOOK_TIMEOUT_MS). An admin only.',
  })
  @Access(adminOnly('redeliver webhook events'))
  redeliverWebhookEvent(
    @Arg('eventId', () => String, { description: 'The event (its webhook-id).' }) eventId: string,
    @Arg('endpointId', () => ID, { nullable: true, description: 'Only to this endpoint.' })
    endpointId?: string | null,
  ): Promise<RedeliverOutcome> {
    return this.webhooks.redeliver(eventId, endpointId);
  }

  @Mutation(() => CreateBalanceMonitorResult, {
    description:
      'Watches a balance (one user, or every user) for crossings of a threshold: each change that crosses it ' +
      'makes one balance.below_threshold or balance.above_threshold event, and none until it crosses back. ' +
      'A service or admin only.',
  })
  @Access(staffOnly('create balance monitors'))
  createBalanceMonitor(
    @Arg('direction', () => BalanceMonitorDirection, { description: 'Which crossing to report.' })
    direction: BalanceMonitorDirection,
    @Arg('threshold', () => GraphQLSafeInt, { description: 'The threshold.' }) threshold: number,
    @Arg('userId', () => ID, { nullable: true, description: 'The user to watch; omitted: every user.' })
    userId?: string | null,
    @Arg('description', () => String, { nullable: true, description: 'What it is for.' }) description?: string | null,
  ): Promise<MonitorOutcome> {
    return this.webhooks.createMonitor(userId, direction, threshold, description);
  }

  @Mutation(() => DeleteBalanceMonitorResult, {
    description: 'Deletes a monitor: it reports no change made from now on. A service or admin only.',
  })
  @Access(staffOnly('delete balance monitors'))
  deleteBalanceMonitor(@Arg('id', () => ID, { description: 'The monitor.' }) id: string): Promise<MonitorOutcome> {
    return this.webhooks.deleteMonitor(id);
  }

  @Query(() => [BalanceMonitor], { description: 'The balance monitors not deleted. A service or admin only.' })
  @Access(staffOnly('read balance monitors'))
  balanceMonitors(): Promise<MonitorState[]> {
    return this.webhooks.monitors();
  }
}
