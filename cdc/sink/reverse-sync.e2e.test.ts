/**
 * Both directions at once, as during the write cut-over: the reverse sink applies the service's
 * writes to the legacy tables through the inverse mapping, and neither direction echoes what the
 * other wrote (the echoed event is recognised and skipped; the row is not written again, which
 * its unchanged xmin proves).
 */
import { jest } from '@jest/globals';
import { waitFor } from '../../lib/wait.ts';
import { createSinkFixture, sql, type SinkFixture } from '../../test-support/sink-e2e-harness.ts';
import { startSinkWorker, type SinkWorker } from './sink-worker.ts';
import { failOnPgQueryOverlap } from '../../test-support/pg-overlap-guard.ts';

jest.setTimeout(120_000);

failOnPgQueryOverlap();

let fx: SinkFixture;
let forward: SinkWorker | undefined;
let reverse: SinkWorker | undefined;
let other: SinkWorker | undefined;

beforeAll(async () => {
  fx = await createSinkFixture();
  await sql(
    fx.legacyUrl,
    "INSERT INTO products (id, sku, name, price) VALUES (1, 'SKU-1', 'Chair', 12.50)",
  );
  await fx.startConnector('forward');
  forward = await startSinkWorker(fx.workerOptions('forward'));
  await fx.waitInSync('products');
  await fx.startConnector('reverse');
  reverse = await startSinkWorker(fx.workerOptions('reverse'));
  other = await startSinkWorker({
    ...fx.workerOptions('forward'),
    service: fx.otherService,
    serviceUrl: fx.otherServiceUrl,
    groupId: `${fx.group('forward')}-other`,
  });
});

afterAll(async () => {
  await Promise.all([forward?.stop(), reverse?.stop(), other?.stop()]);
  await fx?.dispose();
});

const xmin = async (url: string, id: number) =>
  (await sql(url, 'SELECT xmin::text AS x FROM products WHERE id = $1', [id])).rows[0]?.x as
    string | undefined;

test('a write in the service DB reaches the legacy DB through the inverse mapping, and does not come back', async () => {
  await sql(
    fx.serviceUrl,
    "UPDATE products SET title = 'Armchair', price_cents = 4242 WHERE id = 1",
  );
  const serviceXmin = await xmin(fx.serviceUrl, 1);

  const legacyRow = async () =>
    (await sql(fx.legacyUrl, 'SELECT name, price::text AS price FROM products WHERE id = 1'))
      .rows[0];
  await waitFor(
    'the reverse sink to apply the change to the legacy DB',
    async () => (await legacyRow())?.name === 'Armchair',
    { timeoutMs: 60_000 },
  );
  expect(await legacyRow()).toEqual({ name: 'Armchair', price: '42.42' });

  // the legacy change is captured by the forward connector and recognised as the reverse sink's own
  await waitFor('the forward sink to skip the echo', async () => forward!.stats().echoes >= 1, {
    timeoutMs: 30_000,
  });
  expect(await xmin(fx.serviceUrl, 1)).toBe(serviceXmin);
  // ...but for another service replicating legacy products it is news, not an echo
  await waitFor(
    'the other service to receive the change',
    async () => {
      const { rows: r } = await sql(
        fx.otherServiceUrl,
        'SELECT name, price::text AS price FROM product_snapshots WHERE id = 1',
      );
      return r[0]?.name === 'Armchair' && r[0]?.price === '42.42';
    },
    { timeoutMs: 30_000 },
  );
  expect(other!.stats().echoes).toBe(0);
  const {
    rows: [svc],
  } = await sql(fx.serviceUrl, 'SELECT title, price_cents, search_text FROM products WHERE id = 1');
  // untouched by the echo: search_text is still what forward sync derived before (the service's own
  // code maintains it once it owns the writes; this test's UPDATE did not)
  expect(svc).toEqual({ title: 'Armchair', price_cents: '4242', search_text: 'chair sku-1' });
});

test('a write in the legacy DB reaches the service and is not sent back to the legacy DB', async () => {
  await sql(
    fx.legacyUrl,
    "INSERT INTO products (id, sku, name, price) VALUES (2, 'SKU-2', 'Desk', 80.00)",
  );
  const legacyXmin = await xmin(fx.legacyUrl, 2);
  const echoesBefore = reverse!.stats().echoes;
  await waitFor(
    'product 2 in the service DB',
    async () => (await xmin(fx.serviceUrl, 2)) !== undefined,
    { timeoutMs: 30_000 },
  );
  await waitFor(
    'the reverse sink to skip the echo',
    async () => reverse!.stats().echoes > echoesBefore,
    { timeoutMs: 30_000 },
  );
  expect(await xmin(fx.legacyUrl, 2)).toBe(legacyXmin);
  const { rows } = await sql(
    fx.serviceUrl,
    'SELECT title, price_cents, search_text FROM products WHERE id = 2',
  );
  expect(rows[0]).toEqual({ title: 'Desk', price_cents: '8000', search_text: 'desk sku-2' });
});
