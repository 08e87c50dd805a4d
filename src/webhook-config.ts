import { bool, ConfigError, duration, hostList, int, type Env } from './config-values.js';

/** Webhooks out (docs/webhooks.md). */
export interface WebhookConfig {
  /** Whether this process delivers (every process may; they share the work). */
  readonly enabled: boolean;
  readonly timeoutMs: number;
  readonly concurrency: number;
  /** Most delivery attempts per second while the balance path is saturated: deliveries give way to requests. */
  readonly busyRate: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly retryBaseMs: number;
  readonly retryMaxDelayMs: number;
  readonly retryMaxAgeMs: number;
  /** Hosts that may receive over plain http (lower case, IPv6 in brackets). */
  readonly httpHosts: readonly string[];
  readonly privateNetworks: boolean;
  /** How long a rotated-out secret keeps signing, unless the rotation says otherwise. */
  readonly secretGraceMs: number;
  /** How long DELIVERED deliveries stay visible in webhookDeliveries. */
  readonly deliveryRetentionMs: number;
}

/** The webhook settings (WEBHOOK_*), validated together: the lease must outlast an attempt. */
export function webhookConfig(env: Env): WebhookConfig {
  const timeoutMs = duration(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000);
  const leaseMs = duration(env, 'WEBHOOK_LEASE_MS', Math.max(30_000, 3 * timeoutMs), 1000, 3_600_000);
  // A run starts an attempt only if it can end 2 s before the lease does (webhook.dispatcher.ts).
  if (leaseMs < timeoutMs + 3000) {
    throw new ConfigError(
      `WEBHOOK_LEASE_MS (${leaseMs}) must be at least WEBHOOK_TIMEOUT_MS + 3000 (${timeoutMs + 3000})`,
    );
  }
  return Object.freeze({
    enabled: bool(env, 'WEBHOOKS_ENABLED', true),
    timeoutMs,
    concurrency: int(env, 'WEBHOOK_CONCURRENCY', 64, 1, 1000),
    busyRate: int(env, 'WEBHOOK_BUSY_RATE', 100, 1, 1_000_000),
    leaseMs,
    pollMs: duration(env, 'WEBHOOK_POLL_MS', 500, 10, 60_000),
    retryBaseMs: duration(env, 'WEBHOOK_RETRY_BASE_MS', 5000, 1, 86_400_000),
    retryMaxDelayMs: duration(env, 'WEBHOOK_RETRY_MAX_DELAY', 3_600_000, 1, 7 * 86_400_000),
    retryMaxAgeMs: duration(env, 'WEBHOOK_RETRY_MAX_AGE', 3 * 86_400_000, 0, 30 * 86_400_000),
    httpHosts: hostList(env, 'WEBHOOK_HTTP_HOSTS', ['localhost', '127.0.0.1', '[::1]']),
    privateNetworks: bool(env, 'WEBHOOK_PRIVATE_NETWORKS', false),
    secretGraceMs: duration(env, 'WEBHOOK_SECRET_GRACE', 86_400_000, 0, 30 * 86_400_000),
    deliveryRetentionMs: duration(env, 'WEBHOOK_DELIVERY_RETENTION', 30 * 86_400_000, 1000, 3650 * 86_400_000),
  });
}
