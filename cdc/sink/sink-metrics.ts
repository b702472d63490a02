/**
 * Prometheus metrics of one sink worker, on its own registry (several workers may share a
 * process in tests), served at `/metrics` on the worker's metrics port.
 */
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type SinkMetrics = ReturnType<typeof createSinkMetrics>;

export function createSinkMetrics(labels: { service: string; direction: string }) {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  return {
    registry,
    events: new Counter({
      name: 'ficus_sync_events_total',
      help: 'change events applied, by table and op',
      labelNames: ['table', 'op'],
      registers: [registry],
    }),
    batchSeconds: new Histogram({
      name: 'ficus_sync_batch_seconds',
      help: 'time to apply one batch (one transaction), seconds',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    lag: new Gauge({
      name: 'ficus_sync_lag_messages',
      help: 'high watermark minus next offset to apply, per partition',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
    deadLetters: new Counter({
      name: 'ficus_sync_dead_letters_total',
      help: 'poison events sent to the dead-letter topic',
      labelNames: ['table'],
      registers: [registry],
    }),
    skipped: new Counter({
      name: 'ficus_sync_skipped_total',
      help: 'events not applied: duplicates (already applied) and echoes (written by the other direction)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    insertConflicts: new Counter({
      name: 'ficus_sync_insert_conflicts_total',
      help: 'batches whose inserts met a key already in the target and were applied again as upserts',
      labelNames: ['table'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'ficus_sync_retries_total',
      help: 'transient failures retried',
      registers: [registry],
    }),
    schemaChanges: new Counter({
      name: 'ficus_sync_schema_changes_total',
      help: 'column changes of a captured table seen in the events (each counted once)',
      labelNames: ['table', 'kind', 'breaking'],
      registers: [registry],
    }),
    pausedTables: new Gauge({
      name: 'ficus_sync_paused_tables',
      help: 'tables whose sync is paused at a breaking column change',
      registers: [registry],
    }),
  };
}

/** A registry, or anything that renders like one (several registries served as one page). */
export type MetricsSource = Pick<Registry, 'contentType' | 'metrics'>;

export function serveMetrics(
  registry: MetricsSource,
  port: number,
  host = '127.0.0.1',
): Promise<http.Server> {
  const server = http.createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * The metrics page of a `ficus sync` process: `ficus_sync_running` (1 while its direction is
 * switched on and the sink worker applies, 0 while it stands by) and, while it runs, the sink
 * worker's own metrics. The page answers in standby too: supervisors and `ficus stack` probe it.
 */
export function followerMetrics(
  labels: { service: string; direction: string },
  current: () => Registry | null,
): MetricsSource {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  new Gauge({
    name: 'ficus_sync_running',
    help: '1 while this worker applies (its direction switched on), 0 while it stands by',
    registers: [registry],
    collect() {
      this.set(current() ? 1 : 0);
    },
  });
  return {
    contentType: registry.contentType,
    metrics: async () => (await registry.metrics()) + ((await current()?.metrics()) ?? ''),
  };
}
