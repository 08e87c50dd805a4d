import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { BalanceService } from '../modules/balance/balance.service.js';

/** Prometheus metrics of this process: the balance lanes' counters plus Node's defaults. */
export function createMetrics(balances: BalanceService): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counters = [
    ['balance_batches_total', 'Batches decided (one transaction each).', 'batches'],
    ['balance_operations_total', 'Balance operations submitted to the lanes.', 'operations'],
    [
      'balance_version_conflicts_total',
      'Batch writes that lost the optimistic version check and were retried.',
      'versionConflicts',
    ],
    ['balance_concurrent_updates_total', 'Operations answered with ConcurrentUpdate.', 'concurrentUpdates'],
  ] as const;
  for (const [name, help, field] of counters) {
    // Read at scrape time from the service's own counters: nothing extra on the hot path.
    let reported = 0;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const current = balances.stats()[field];
        this.inc(current - reported);
        reported = current;
      },
    });
  }
  new Gauge({
    name: 'balance_active_lanes',
    help: 'Users with queued or running balance work.',
    registers: [registry],
    collect() {
      this.set(balances.activeLanes);
    },
  });
  return registry;
}
