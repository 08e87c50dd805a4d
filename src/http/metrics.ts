import cluster from 'node:cluster';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Sql } from '../db/sql.js';
import type { BalanceService, BalanceStats } from '../modules/balance/balance.service.js';
import { clusterMetricsClient } from './cluster-metrics.js';

/** The webhook dispatcher's running totals (modules/webhooks/webhook.dispatcher.ts), read at scrape time. */
export interface WebhookCounts {
  readonly delivered: number;
  readonly failedAttempts: number;
  readonly givenUp: number;
  readonly lostLeases: number;
}

export interface Metrics {
  readonly contentType: string;
  /** The Prometheus text: this process's metrics, or in a cluster worker the sums over all workers. */
  text(): Promise<string>;
  /** One finished GraphQL request: its root field, result type or error code, and duration. */
  observeRequest(operation: string, result: string, seconds: number): void;
  /** One message sent to a subscriber. */
  observeSubscriptionMessage(): void;
}

/** The subscriptions side, read at scrape time. */
export interface LiveStats {
  readonly openSubscriptions: number;
  /** Messages replaced by a later state because their subscriber was behind. */
  readonly skipped: number;
  /** Times the process's LISTEN connection was lost and re-established. */
  readonly reconnects: number;
}

/** A counter read at scrape time from a running total kept elsewhere: nothing extra on the hot path. */
function scrapedCounter(registry: Registry, name: string, help: string, total: () => number): void {
  let reported = 0;
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const current = total();
      this.inc(current - reported);
      reported = current;
    },
  });
}

/**
 * Prometheus metrics: requests, the balance lanes, the database pool, and Node's defaults. In a cluster the
 * scrape answers for all workers together (counters and gauges summed).
 */
export function createMetrics(
  balances: BalanceService,
  sql: Sql,
  live: LiveStats,
  webhooks: WebhookCounts | undefined,
): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'graphql_requests_total',
    help: 'GraphQL requests by root field and result: the union member or type answered, or the error code.',
    labelNames: ['operation', 'result'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'Time from the parsed HTTP body to the finished GraphQL response, by root field.',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const batchSizes = new Histogram({
    name: 'balance_batch_size',
    help: 'Operations per batch (one database statement each).',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [registry],
  });
  balances.observeBatches((size) => batchSizes.observe(size));

  const counters: [string, string, keyof BalanceStats][] = [
    ['balance_rounds_total', 'Rounds written (one transaction each, carrying the batches of many users).', 'rounds'],
    ['balance_batches_total', "Users' batches decided (a round carries many).", 'batches'],
    ['balance_operations_total', 'Balance operations submitted to the lanes.', 'operations'],
    [
      'balance_version_conflicts_total',
      'Batches whose guarded write lost a race (balance or version moved) and went again.',
      'versionConflicts',
    ],
    [
      'balance_deadlocks_total',
      'Transactions PostgreSQL aborted with a deadlock or serialization failure, then retried.',
      'deadlocks',
    ],
    ['balance_concurrent_updates_total', 'Operations answered with ConcurrentUpdate.', 'concurrentUpdates'],
    [
      'balance_failed_batches_total',
      'Rounds that failed with an error, e.g. the database unreachable.',
      'failedBatches',
    ],
  ];
  for (const [name, help, field] of counters) scrapedCounter(registry, name, help, () => balances.stats()[field]);
  new Gauge({
    name: 'balance_active_lanes',
    help: 'Users with queued or running balance work.',
    registers: [registry],
    collect() {
      this.set(balances.activeLanes);
    },
  });

  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state: used, free, and requests waiting for one.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const pool = await sql.pool();
      this.set({ state: 'used' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'free' }, pool.idleCount);
      this.set({ state: 'pending' }, pool.waitingCount);
    },
  });

  new Gauge({
    name: 'subscriptions_open',
    help: 'Open balanceChanged subscriptions.',
    registers: [registry],
    collect() {
      this.set(live.openSubscriptions);
    },
  });
  const subscriptionMessages = new Counter({
    name: 'subscription_messages_total',
    help: 'Messages sent to subscribers.',
    registers: [registry],
  });
  const liveCounters: [string, string, 'skipped' | 'reconnects'][] = [
    [
      'subscription_messages_skipped_total',
      'Messages replaced by the latest state because their subscriber was behind.',
      'skipped',
    ],
    [
      'notification_listener_reconnects_total',
      'Times the LISTEN connection was lost and listening again.',
      'reconnects',
    ],
  ];
  for (const [name, help, field] of liveCounters) scrapedCounter(registry, name, help, () => live[field]);

  const webhookCounters: [string, string, keyof WebhookCounts][] = [
    ['webhook_deliveries_total', 'Webhook events acknowledged (2xx) by their endpoint.', 'delivered'],
    ['webhook_failed_attempts_total', 'Webhook attempts that failed (status, timeout, connection).', 'failedAttempts'],
    ['webhook_events_given_up_total', 'Webhook events marked FAILED after WEBHOOK_RETRY_MAX_AGE.', 'givenUp'],
    [
      'webhook_leases_lost_total',
      'Webhook runs whose lease ran out before they were recorded (another process delivers them again).',
      'lostLeases',
    ],
  ];
  for (const [name, help, field] of webhookCounters) {
    scrapedCounter(registry, name, help, () => webhooks?.[field] ?? 0);
  }

  const clusterText = cluster.isWorker ? clusterMetricsClient(registry) : undefined;
  return {
    contentType: registry.contentType,
    text: () => clusterText?.() ?? registry.metrics(),
    observeRequest(operation, result, seconds) {
      requests.inc({ operation, result });
      duration.observe({ operation }, seconds);
    },
    observeSubscriptionMessage: () => subscriptionMessages.inc(),
  };
}
