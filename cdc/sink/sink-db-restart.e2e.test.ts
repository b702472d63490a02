/**
 * Transient failures mid-stream: the sink's connections to the service DB are terminated (as a
 * restart of that database does) again and again while events stream through. The sink must
 * retry with backoff, dead-letter nothing, and end with the target equal to the source.
 * (Restarting the shared Postgres cluster or the broker would disturb every other suite running on
 * the stack; terminating the sink's own backends exercises the same code path.)
 */
import { jest } from '@jest/globals';
import { sleep } from '../../lib/wait.ts';
import {
  createSinkFixture,
  sql,
  urls,
  type SinkFixture,
} from '../../test-support/sink-e2e-harness.ts';
import { startSinkWorker, type SinkWorker } from './sink-worker.ts';

jest.setTimeout(120_000);

let fx: SinkFixture;
let worker: SinkWorker | undefined;

beforeAll(async () => {
  fx = await createSinkFixture();
  await fx.startConnector('forward');
  worker = await startSinkWorker(fx.workerOptions('forward', { maxEventsPerTransaction: 200 }));
});

afterAll(async () => {
  await worker?.stop();
  await fx?.dispose();
});

test('connections killed mid-stream: retried, nothing lost, nothing dead-lettered', async () => {
  let killing = true;
  let killed = 0;
  const killer = (async () => {
    while (killing) {
      await sleep(150 + Math.random() * 250);
      const { rows } = await sql(
        urls.servicesAdmin('postgres'),
        'SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = $2',
        [`ficus-sync-${fx.service}-forward`, fx.serviceUrl.split('/').pop()],
      );
      killed += Number(rows[0].n);
    }
  })();
  for (let round = 0; round < 10; round++) {
    const base = round * 500;
    await sql(
      fx.legacyUrl,
      `INSERT INTO products (id, sku, name, price)
      SELECT g, 'SKU-' || g, 'P ' || g, g / 100.0 FROM generate_series(${base + 1}, ${base + 500}) g`,
    );
    await sql(fx.legacyUrl, `UPDATE products SET price = price + 1 WHERE id % 3 = ${round % 3}`);
    await sleep(200);
  }
  await sleep(1500);
  killing = false;
  await killer;
  expect(killed).toBeGreaterThan(0);

  const { actual } = await fx.waitInSync('products', 60_000);
  expect(actual).toHaveLength(5000);
  expect(worker!.stats().deadLetters).toBe(0);
  expect(
    await worker!.metrics.registry.getSingleMetricAsString('ficus_sync_retries_total'),
  ).toMatch(/ficus_sync_retries_total\{[^}]*\} [1-9]/);
});
