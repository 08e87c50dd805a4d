import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * With WORKERS > 1 a scrape of /metrics reaches one worker; it asks the primary, which collects every
 * worker's registry over IPC (prom-client's AggregatorRegistry) and answers with the sums.
 */
const REQUEST = 'balance:cluster-metrics-request';
const RESPONSE = 'balance:cluster-metrics-response';
const TIMEOUT_MS = 5000;

interface MetricsMessage {
  type?: string;
  id?: number;
  text?: string;
  error?: string;
}

/** In the primary: answer workers' requests with the metrics of the whole cluster. */
export function serveClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: MetricsMessage) => {
    if (message?.type !== REQUEST) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: RESPONSE, id: message.id, text }),
      (error: unknown) => worker.send({ type: RESPONSE, id: message.id, error: String(error) }),
    );
  });
}

/** In a worker: offers `registry` to the primary's collection; returns how to fetch the cluster-wide text. */
export function clusterMetricsClient(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs the worker's answer to the primary's collection requests
  const pending = new Map<number, (message: MetricsMessage) => void>();
  let nextId = 0;
  process.on('message', (message: MetricsMessage) => {
    if (message?.type === RESPONSE && message.id !== undefined) pending.get(message.id)?.(message);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('the primary did not answer with the cluster metrics'));
      }, TIMEOUT_MS);
      pending.set(id, (message) => {
        clearTimeout(timer);
        pending.delete(id);
        if (message.error !== undefined || message.text === undefined) reject(new Error(message.error));
        else resolve(message.text);
      });
      process.send!({ type: REQUEST, id });
    });
}
