import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface LoadSpec {
  origin: string;
  path: string;
  requests: number;
  /** `all`: every request dispatched at once (queued on `connections` sockets); a number: closed loop with that many in flight. */
  inFlight: 'all' | number;
  /** Keep-alive sockets; requests beyond them wait for a free one. */
  connections: number;
  body(index: number): string;
  /** Names the outcome of one response body (e.g. `BalanceUpdated`). */
  classify(status: number, body: string): string;
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
}

export interface LoadResult {
  /** Outcomes by name; `Lost` counts requests that got no HTTP answer at all (reset, refused). */
  counts: Record<string, number>;
  wallMs: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  lostErrors: string[];
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);
}

/** A lean HTTP load generator (undici Pool, pre-built bodies): it must cost far less CPU than the servers it measures. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.origin, { connections: spec.connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const bodies = Array.from({ length: spec.requests }, (_, i) => spec.body(i));
  const headers = { 'content-type': 'application/json', ...spec.headers };
  const latencies = new Float64Array(spec.requests);
  const counts: Record<string, number> = {};
  const lostErrors: string[] = [];

  const one = async (i: number): Promise<void> => {
    const sent = performance.now();
    let outcome: string;
    try {
      const response = await pool.request({ path: spec.path, method: 'POST', headers, body: bodies[i] });
      outcome = spec.classify(response.statusCode, await response.body.text());
    } catch (error) {
      outcome = 'Lost';
      if (lostErrors.length < 5) lostErrors.push((error as Error).message);
    }
    latencies[i] = performance.now() - sent;
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  };

  const started = performance.now();
  try {
    if (spec.inFlight === 'all') {
      await Promise.all(bodies.map((_, i) => one(i)));
    } else {
      let next = 0;
      const loop = async () => {
        while (next < spec.requests) await one(next++);
      };
      await Promise.all(Array.from({ length: spec.inFlight }, loop));
    }
  } finally {
    await pool.close();
  }
  const wallMs = performance.now() - started;
  latencies.sort();
  return {
    counts,
    wallMs,
    requestsPerSecond: spec.requests / (wallMs / 1000),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    lostErrors,
  };
}
