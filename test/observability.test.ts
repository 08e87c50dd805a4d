import { describe, expect, it } from 'vitest';
import { balanceMutations } from './balance-mutations.js';
import { insertUser, query, useTestApp } from './helpers.js';

const logLines: string[] = [];
const t = useTestApp({}, { logLines });

const metricsText = async (): Promise<string> => (await fetch(`${t.origin}/metrics`)).text();

/** The value of one sample line, e.g. `graphql_requests_total{operation="updateBalance",result="BalanceUpdated"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts requests by operation and result type, with latency, batch sizes, pool and Node metrics', async () => {
    const userId = await insertUser(t.orm, 10);
    const balances = balanceMutations(t.client);
    const results = await Promise.all(Array.from({ length: 8 }, () => balances.update(userId, -2)));
    expect(results.filter((r) => r.__typename === 'BalanceUpdated')).toHaveLength(5);
    await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ nope }' }),
    });
    // A read answered with a plain row is named by its GraphQL type, not "Object".
    await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ user(id: "${userId}") { id } }` }),
    });

    const text = await metricsText();
    expect(sample(text, 'graphql_requests_total{operation="updateBalance",result="BalanceUpdated"}')).toBe(5);
    expect(sample(text, 'graphql_requests_total{operation="updateBalance",result="InsufficientFunds"}')).toBe(3);
    expect(sample(text, 'graphql_requests_total{operation="none",result="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);
    expect(sample(text, 'graphql_requests_total{operation="user",result="User"}')).toBe(1);
    expect(sample(text, 'graphql_request_duration_seconds_count{operation="updateBalance"}')).toBe(8);
    expect(sample(text, 'balance_batch_size_sum')).toBeGreaterThanOrEqual(8);
    expect(sample(text, 'balance_operations_total')).toBeGreaterThanOrEqual(8);
    for (const series of [
      'balance_version_conflicts_total',
      'balance_concurrent_updates_total',
      'balance_failed_batches_total',
      'balance_active_lanes',
      'db_pool_connections{state="used"}',
      'db_pool_connections{state="free"}',
      'db_pool_connections{state="pending"}',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect({ series, value: sample(text, series) }).toEqual({ series, value: expect.any(Number) });
    }
  });
});

describe('health', () => {
  it('/health/live answers while the process runs; /health/ready checks the database and the migrations', async () => {
    expect((await fetch(`${t.origin}/health/live`)).status).toBe(200);
    const ready = await fetch(`${t.origin}/health/ready`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ok' }]);

    // A migration this build knows but the database has not applied: not ready, and says why.
    const [last] = await query<{ id: number; name: string }>(
      t.orm,
      'select id, name from mikro_orm_migrations order by id desc limit 1',
    );
    await query(t.orm, 'delete from mikro_orm_migrations where id = ?', [last!.id]);
    try {
      const notReady = await fetch(`${t.origin}/health/ready`);
      expect([notReady.status, await notReady.json()]).toEqual([
        503,
        { status: 'unavailable', reason: 'database migrations are not all applied' },
      ]);
      expect((await fetch(`${t.origin}/health/live`)).status).toBe(200);
    } finally {
      await query(t.orm, 'insert into mikro_orm_migrations (id, name) values (?, ?)', [last!.id, last!.name]);
    }
    expect((await fetch(`${t.origin}/health/ready`)).status).toBe(200);
  });
});

describe('request ids', () => {
  it('honours x-request-id (or makes one), returns it, and puts it in every log line about the request', async () => {
    const sent = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'trace-abc-123' },
      body: JSON.stringify({ query: '{ user(id: "1") { id nope } }' }),
    });
    expect(sent.headers.get('x-request-id')).toBe('trace-abc-123');
    const lines = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['requestId'] === 'trace-abc-123');
    expect(lines).toEqual([expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED', msg: 'request rejected' })]);

    const generated = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad id with spaces' },
      body: JSON.stringify({ query: '{ user(id: "1") { id } }' }),
    });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
