/**
 * Column changes of captured legacy tables mid-stream, against real Postgres, Kafka and Debezium
 * (with `column.propagate.source.type`, as ficus's connectors run): a new column the plan does
 * not map is recorded and the sync goes on; a mapped column's type change pauses that table's
 * sync at its event (nothing applied or dead-lettered past it), is recorded once and fails a gate
 * named after it, while the service's other table keeps syncing.
 */
import { jest } from '@jest/globals';
import { waitFor } from '../lib/wait.ts';
import {
  createSinkFixture,
  messageCount,
  sql,
  type SinkFixture,
} from '../test-support/sink-e2e-harness.ts';
import { evaluateGates } from './gates.ts';
import { schemaEvidence } from './gate-evidence.ts';
import {
  openPauses,
  openSchemaChanges,
  recordSchemaChange,
  resolveSchemaChange,
} from '../cdc/sink/schema-change-store.ts';
import { startSinkWorker, type SinkWorker } from '../cdc/sink/sink-worker.ts';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { REPO_ROOT } from '../stack/stack-config.ts';

const run = promisify(execFile);

jest.setTimeout(180_000);

let fx: SinkFixture;
let worker: SinkWorker | undefined;
let kit: pg.Pool;

beforeAll(async () => {
  fx = await createSinkFixture();
  kit = new pg.Pool({ connectionString: fx.kit.url, max: 2 });
  await sql(
    fx.legacyUrl,
    `INSERT INTO products (id, sku, name, price) VALUES (1, 'SKU-1', 'Red Chair', 12.50), (2, 'SKU-2', 'Blue Table', 99.99)`,
  );
  await sql(fx.legacyUrl, 'INSERT INTO inventory (product_id, quantity) VALUES (1, 10), (2, 5)');
  await fx.startConnector('forward', {
    'column.propagate.source.type': 'public\\.products\\..*,public\\.inventory\\..*',
  });
  worker = await startSinkWorker(
    fx.workerOptions('forward', {
      recordSchemaChange: (seen) => recordSchemaChange(kit, fx.service, 'forward', seen),
      openPauses: () => openPauses(kit, fx.service, 'forward'),
    }),
  );
  await fx.waitInSync('products');
  await fx.waitInSync('inventory');
});

afterAll(async () => {
  await worker?.stop();
  await kit?.end();
  await fx?.dispose();
});

/** `ficus <args>` as an operator runs it, on the fixture's configuration. */
const ficus = (args: string[]) =>
  run(process.execPath, [path.join(REPO_ROOT, 'bin', 'ficus.js'), ...args], {
    env: { ...process.env, FICUS_CONFIG: fx.configPath },
  });

const recorded = async () => (await openSchemaChanges(kit)).filter((c) => c.service === fx.service);

test('a column added and not mapped is recorded once and the sync goes on', async () => {
  await sql(fx.legacyUrl, 'ALTER TABLE products ADD COLUMN colour text');
  await sql(
    fx.legacyUrl,
    "UPDATE products SET colour = 'red', name = 'Crimson Chair' WHERE id = 1",
  );
  await sql(
    fx.legacyUrl,
    "INSERT INTO products (id, sku, name, price, colour) VALUES (3, 'SKU-3', 'Lamp', 1.00, 'green')",
  );
  const { actual } = await fx.waitInSync('products');
  expect(actual.map((r) => r.title)).toEqual(['Crimson Chair', 'Blue Table', 'Lamp']);
  await waitFor('the added column recorded', async () => (await recorded()).length === 1, {
    timeoutMs: 30_000,
  });
  const [added] = await recorded();
  expect(added).toMatchObject({
    table: 'products',
    column: 'colour',
    kind: 'added',
    mapped: false,
    breaking: false,
    description: 'products.colour added (not mapped)',
  });
  expect(added.lsn).toMatch(/^\d+$/);
  expect(worker!.stats().paused).toEqual({});
  const metric = await worker!.metrics.registry.getSingleMetricAsString(
    'ficus_sync_schema_changes_total',
  );
  expect(metric).toContain('kind="added"');
});

test("a mapped column's type change pauses that table at its event; the other table goes on", async () => {
  const productsTopic = `${fx.topicPrefix('forward')}.public.products`;
  // everything before the change applied: the changed event is the next one on its partition
  const ends = await fx.waitApplied('products', messageCount(await fx.topicEnds('products')));
  await sql(fx.legacyUrl, 'ALTER TABLE products ALTER COLUMN price TYPE text');
  await sql(fx.legacyUrl, "UPDATE products SET name = 'Renamed Lamp' WHERE id = 3");
  await sql(fx.legacyUrl, "UPDATE products SET name = 'Renamed Table' WHERE id = 2");

  await waitFor('the products sync paused', async () => !!worker!.stats().paused[productsTopic], {
    timeoutMs: 60_000,
  });
  const pausedAt = worker!.stats().paused[productsTopic];
  expect(pausedAt.description).toBe('products.price changed numeric(12,2) → text');
  // the position stored with the rows sits at the changed event: nothing past it applied
  const { partition, offset } = pausedAt.position;
  expect(offset).toBe(String(ends.get(partition)));
  const stored = (await fx.storedPositions(fx.group('forward'))).find(
    (p) => p.topic === productsTopic && p.partition === partition,
  );
  expect(stored?.nextOffset).toBe(offset);
  const { rows } = await sql(fx.serviceUrl, 'SELECT title FROM products ORDER BY id');
  expect(rows.map((r) => r.title)).toEqual(['Crimson Chair', 'Blue Table', 'Lamp']);

  // the other table of the service keeps syncing
  await sql(fx.legacyUrl, 'UPDATE inventory SET quantity = 42 WHERE product_id = 2');
  const { actual } = await fx.waitInSync('inventory');
  expect(actual.map((r) => String(r.on_hand))).toEqual(['10', '42']);

  await waitFor('the type change recorded', async () => (await recorded()).length === 2, {
    timeoutMs: 30_000,
  });
  const changed = (await recorded()).find((c) => c.kind === 'type changed')!;
  expect(changed).toMatchObject({
    column: 'price',
    from: 'numeric(12,2)',
    to: 'text',
    mapped: true,
    breaking: true,
  });
  expect(worker!.stats().deadLetters).toBe(0);

  // the gate named after it fails every stage advance
  const schemaChanges = await schemaEvidence(fx.kit.knex, fx.service);
  expect(schemaChanges.map((c) => c.gate)).toEqual([
    expect.stringMatching(
      /^schema: products\.price changed numeric\(12,2\) → text at offset .*products\[\d+\]@\d+ \(LSN \d+\)$/,
    ),
  ]);
  const evidence = {
    comparisons: 500,
    matchRate: 1,
    lastVerify: { at: new Date(), clean: true },
    syncLagMs: 10,
    errorRate: { legacy: 0, service: 0 },
    p99: { legacy: 10, service: 10 },
    schemaChanges,
  };
  const failing = evaluateGates('canary', evidence).filter((g) => !g.ok);
  expect(failing.map((g) => g.gate)).toEqual([schemaChanges[0].gate]);
});

test('a worker started again keeps the table paused until the change is resolved', async () => {
  const productsTopic = `${fx.topicPrefix('forward')}.public.products`;
  const pausedAt = worker!.stats().paused[productsTopic];
  await worker!.stop();
  worker = await startSinkWorker(
    fx.workerOptions('forward', {
      recordSchemaChange: (seen) => recordSchemaChange(kit, fx.service, 'forward', seen),
      openPauses: () => openPauses(kit, fx.service, 'forward'),
    }),
  );
  expect(worker.stats().paused[productsTopic]?.position).toEqual(pausedAt.position);
  await sql(fx.legacyUrl, 'UPDATE inventory SET quantity = 43 WHERE product_id = 2');
  const { actual } = await fx.waitInSync('inventory');
  expect(actual.map((r) => String(r.on_hand))).toEqual(['10', '43']);
  const { rows } = await sql(fx.serviceUrl, 'SELECT title FROM products ORDER BY id');
  expect(rows.map((r) => r.title)).toEqual(['Crimson Chair', 'Blue Table', 'Lamp']);
  const stored = (await fx.storedPositions(fx.group('forward'))).find(
    (p) => p.topic === productsTopic && p.partition === pausedAt.position.partition,
  );
  expect(stored?.nextOffset).toBe(pausedAt.position.offset);
  // recorded once, however many workers saw it
  expect((await recorded()).filter((c) => c.kind === 'type changed')).toHaveLength(1);

  // an operator sees it and, once the plan and the target are changed, resolves it
  const [open] = (await recorded()).filter((c) => c.breaking);
  const listed = JSON.parse((await ficus(['schema-changes', '--json'])).stdout) as {
    changes: { id: number; description: string }[];
  };
  expect(listed.changes.find((c) => c.id === open.id)?.description).toBe(open.description);
  const resolved = await ficus(['schema-changes', 'resolve', String(open.id)]);
  expect(resolved.stderr + resolved.stdout).toContain(`schema change #${open.id} resolved`);
  expect(await schemaEvidence(fx.kit.knex, fx.service)).toEqual([]);
  expect(await resolveSchemaChange(kit, open.id)).toBe(false);
});
