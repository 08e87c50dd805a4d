import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import {
  createBalanceClient,
  errorCodeOf,
  UpdateBalanceDocument,
  UserDocument,
  type UpdateBalanceMutation,
} from './index.js';

export type UpdateBalanceOutcome = UpdateBalanceMutation['updateBalance'];

export interface BurstOptions {
  /** One or more GraphQL endpoints; requests are spread over them round-robin. */
  urls: readonly string[];
  userId: string;
  amount: number;
  requests: number;
  /** Keep-alive sockets per endpoint. */
  connections?: number;
  /** Bearer JWT for servers with AUTH_MODE=jwt. */
  token?: string;
  /**
   * Retry every request that got no business answer (network failure, SERVICE_UNAVAILABLE, HTTP 5xx) on the
   * next endpoint, with the same idempotency key, up to this many attempts in all. Each request then carries
   * the key `<idempotencyPrefix>:<index>`, so a retried operation takes effect exactly once.
   */
  retryAttempts?: number;
  idempotencyPrefix?: string;
  onProgress?: (done: number) => void;
}

export interface BurstReport {
  requests: number;
  /** Final answer per logical request by `__typename`, plus `GraphQLError` / `NetworkError` for failed ones. */
  counts: Record<string, number>;
  outcomes: UpdateBalanceOutcome[];
  errors: string[];
  /** Extra attempts made by `retryAttempts` (0 without it). */
  retries: number;
  /** The idempotency keys sent, by request index (empty without `retryAttempts`). */
  idempotencyKeys: string[];
  wallMs: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** null when the user does not exist or the server no longer answers. */
  finalBalance: number | null;
}

/** The `p`th percentile (0-100, nearest rank) of ascending numbers; 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Worth sending again as is: no answer at all, the service said so, or a server-side HTTP failure. */
function retryable(error: unknown): boolean {
  const response = (error as { response?: { status?: number } }).response;
  if (!response) return true;
  return errorCodeOf(error) === 'SERVICE_UNAVAILABLE' || (response.status ?? 0) >= 500;
}

/** Sends every request at once (queued on keep-alive sockets) and tallies the typed answers. */
export async function runBurst(options: BurstOptions): Promise<BurstReport> {
  const clients = options.urls.map((url) =>
    createBalanceClient(url, { connections: options.connections, token: options.token }),
  );
  const attempts = Math.max(1, options.retryAttempts ?? 1);
  const prefix = options.idempotencyPrefix ?? `burst-${randomUUID()}`;
  const idempotencyKeys = attempts > 1 ? Array.from({ length: options.requests }, (_, i) => `${prefix}:${i}`) : [];
  const counts: Record<string, number> = {};
  const outcomes: UpdateBalanceOutcome[] = [];
  const errors: string[] = [];
  const latencies: number[] = [];
  let retries = 0;
  let done = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: options.requests }, async (_, i) => {
        const sent = performance.now();
        let kind = 'NetworkError';
        for (let attempt = 0; attempt < attempts; attempt++) {
          if (attempt > 0) {
            retries++;
            // Exponential backoff, capped: a restarting server or database gets time to come back.
            await delay(Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random()));
          }
          const client = clients[(i + attempt) % clients.length]!;
          try {
            const { updateBalance } = await client.graphql.request(UpdateBalanceDocument, {
              userId: options.userId,
              amount: options.amount,
              idempotencyKey: idempotencyKeys[i],
            });
            outcomes.push(updateBalance);
            kind = updateBalance.__typename;
            break;
          } catch (error) {
            const response = (error as { response?: unknown }).response;
            kind = response ? 'GraphQLError' : 'NetworkError';
            if (errors.length < 20) errors.push(error instanceof Error ? error.message.slice(0, 300) : String(error));
            if (!retryable(error)) break;
          }
        }
        latencies.push(performance.now() - sent);
        counts[kind] = (counts[kind] ?? 0) + 1;
        options.onProgress?.(++done);
      }),
    );
    const wallMs = performance.now() - started;
    latencies.sort((a, b) => a - b);
    // The server may be gone by now (e.g. stopped during the burst): then the final balance is unknown.
    let finalBalance: number | null = null;
    for (const client of clients) {
      const user = await client.graphql
        .request(UserDocument, { id: options.userId })
        .then((data) => data.user)
        .catch(() => undefined);
      if (user !== undefined) {
        finalBalance = user?.balance ?? null;
        break;
      }
    }
    return {
      requests: options.requests,
      counts,
      outcomes,
      errors,
      retries,
      idempotencyKeys,
      wallMs,
      requestsPerSecond: options.requests / (wallMs / 1000),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      finalBalance,
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}
