import { performance } from 'node:perf_hooks';
import { createBalanceClient, UpdateBalanceDocument, UserDocument, type UpdateBalanceMutation } from './index.js';

export type UpdateBalanceOutcome = UpdateBalanceMutation['updateBalance'];

export interface BurstOptions {
  /** One or more GraphQL endpoints; requests are spread over them round-robin. */
  urls: readonly string[];
  userId: string;
  amount: number;
  requests: number;
  /** Keep-alive sockets per endpoint. */
  connections?: number;
  onProgress?: (done: number) => void;
}

export interface BurstReport {
  requests: number;
  /** Answers per `__typename`, plus `GraphQLError` / `NetworkError` for failed requests. */
  counts: Record<string, number>;
  outcomes: UpdateBalanceOutcome[];
  errors: string[];
  wallMs: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** null when the user does not exist or the server no longer answers. */
  finalBalance: number | null;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Sends every request at once (queued on keep-alive sockets) and tallies the typed answers. */
export async function runBurst(options: BurstOptions): Promise<BurstReport> {
  const clients = options.urls.map((url) => createBalanceClient(url, options.connections));
  const counts: Record<string, number> = {};
  const outcomes: UpdateBalanceOutcome[] = [];
  const errors: string[] = [];
  const latencies: number[] = [];
  let done = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: options.requests }, async (_, i) => {
        const client = clients[i % clients.length]!;
        const sent = performance.now();
        let kind: string;
        try {
          const { updateBalance } = await client.graphql.request(UpdateBalanceDocument, {
            userId: options.userId,
            amount: options.amount,
          });
          outcomes.push(updateBalance);
          kind = updateBalance.__typename;
        } catch (error) {
          const response = (error as { response?: unknown }).response;
          kind = response ? 'GraphQLError' : 'NetworkError';
          if (errors.length < 20) errors.push(error instanceof Error ? error.message.slice(0, 300) : String(error));
        }
        latencies.push(performance.now() - sent);
        counts[kind] = (counts[kind] ?? 0) + 1;
        options.onProgress?.(++done);
      }),
    );
    const wallMs = performance.now() - started;
    latencies.sort((a, b) => a - b);
    // The server may be gone by now (e.g. stopped during the burst): then the final balance is unknown.
    const user = await clients[0]!.graphql
      .request(UserDocument, { id: options.userId })
      .then((data) => data.user)
      .catch(() => undefined);
    return {
      requests: options.requests,
      counts,
      outcomes,
      errors,
      wallMs,
      requestsPerSecond: options.requests / (wallMs / 1000),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      finalBalance: user?.balance ?? null,
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}
