/**
 * `verify --repair` on the real stack: a Debezium connector on the legacy DB, the sink worker
 * applying into the service DB, differences planted in the service DB (rows deleted, changed,
 * added; more than verify keeps as samples), and a writer changing legacy rows all through the
 * repair (some of them planted keys, one extra key inserted in legacy, one missing key deleted in
 * legacy). The dry run changes nothing; the repair leaves verify clean, every row the writer
 * touched at its latest value, and a record in the kit DB.
 */
import { jest } from '@jest/globals';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { sleep } from '../../lib/wait.ts';
import {
  createSinkFixture,
  sql,
  urls,
  type SinkFixture,
} from '../../test-support/sink-e2e-harness.ts';
import { createConnectClient } from '../connect/connect-client.ts';
import { ensureKitTables } from '../connect/source-database.ts';
import type { SourceConnectorSpec } from '../connect/source-config.ts';
import { startSinkWorker, type SinkWorker } from '../sink/sink-worker.ts';
import { sinkConsistency, type WaitForConsistentPoint } from './consistent-point.ts';
import { repairService } from './repair-service.ts';
import { latestRepairs } from './repair-store.ts';
import { openVerifyPool, verifyService } from './verify-service.ts';

jest.setTimeout(300_000);

let fx: SinkFixture;
let worker: SinkWorker | undefined;
let legacy: pg.Pool;
let service: pg.Pool;
let kit: pg.Pool;
let admin: Admin;
let consistency: WaitForConsistentPoint;

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

beforeAll(async () => {
  fx = await createSinkFixture();
  await sql(
    fx.legacyUrl,
    `INSERT INTO products (id, sku, name, price) SELECT g, 'SKU-' || g, 'Product ' || g, (g % 1000) / 10.0 FROM generate_series(1, 2000) g;
     INSERT INTO inventory (product_id, quantity) SELECT g, g % 50 FROM generate_series(1, 500) g;`,
  );
  legacy = openVerifyPool(fx.legacyUrl);
  service = openVerifyPool(fx.serviceUrl);
  kit = openVerifyPool(fx.kit.url, 2);
  // the consistent point as `ficus verify` takes it: the heartbeat row written by ficus, captured
  // by the connector, so its offset passes the legacy WAL position even when the tables are idle
  const spec = {
    name: `sink-test-${fx.id}-forward`,
    topicPrefix: fx.topicPrefix('forward'),
    tables: [
      { schema: 'public', table: 'products' },
      { schema: 'public', table: 'inventory' },
    ],
    kitSchema: 'ficus_cdc',
    heartbeatTable: { schema: 'ficus_cdc', table: 'heartbeat' },
    signalTable: { schema: 'ficus_cdc', table: 'signal' },
  } as SourceConnectorSpec;
  await ensureKitTables(legacy, spec);
  admin = fx.kafka.admin();
  await admin.connect();
  consistency = sinkConsistency({
    legacy,
    service,
    connect: createConnectClient({ url: urls.connect }),
    kafkaAdmin: admin,
    spec,
    timeoutMs: 120_000,
  });
  worker = await startSinkWorker(fx.workerOptions('forward'));
  await fx.startConnector('forward', {
    'table.include.list': 'public.products,public.inventory,ficus_cdc.heartbeat',
  });
  await fx.waitInSync('products', 120_000);
  await fx.waitInSync('inventory', 60_000);
});

afterAll(async () => {
  await worker?.stop();
  await admin?.disconnect();
  await Promise.all([legacy?.end(), service?.end(), kit?.end()]);
  await fx?.dispose();
});

const options = () => ({
  plan: fx.plan,
  service: fx.service,
  legacy,
  serviceDb: service,
  kit,
  chunkSize: 100,
  consistency,
  direction: 'forward' as const,
  actor: 'e2e',
});

/** md5 of every row of the service's tables: what a dry run must leave alone */
async function serviceFingerprint(): Promise<string> {
  const { rows } = await service.query(
    `SELECT (SELECT md5(string_agg(p::text, '|' ORDER BY id)) FROM products p) AS p,
            (SELECT md5(string_agg(s::text, '|' ORDER BY product_id)) FROM stock_levels s) AS s`,
  );
  return JSON.stringify(rows[0]);
}

/** A writer on the legacy side: names of hot rows changed round robin until stopped. */
function startWriter(hot: number[]) {
  const latest = new Map<number, string>();
  let stop = false;
  let n = 0;
  const done = (async () => {
    const client = new pg.Client({ connectionString: fx.legacyUrl });
    await client.connect();
    try {
      // a key only the service has appears in legacy, a key only legacy has disappears
      await client.query(
        `INSERT INTO products (id, sku, name, price) VALUES (9001, 'SKU-9001', 'legacy 9001', 1.00)`,
      );
      latest.set(9001, 'legacy 9001');
      await client.query('DELETE FROM products WHERE id = 103');
      while (!stop) {
        const id = hot[n % hot.length];
        const name = `live ${n++}`;
        await client.query('UPDATE products SET name = $2, price = price + 0.01 WHERE id = $1', [
          id,
          name,
        ]);
        latest.set(id, name);
        await sleep(15);
      }
    } finally {
      await client.end();
    }
  })();
  return {
    latest,
    writes: () => n,
    async stop() {
      stop = true;
      await done;
    },
  };
}

test('verify --repair: the dry run changes nothing; the repair leaves verify clean under live writes, rows at their latest values', async () => {
  // planted in the service DB: 12 rows deleted, 12 changed, 7 added; in stock 6 + 6 + 3
  await sql(
    fx.serviceUrl,
    `DELETE FROM products WHERE id BETWEEN 101 AND 112;
     UPDATE products SET title = 'tampered', price_cents = 1 WHERE id BETWEEN 201 AND 212;
     INSERT INTO products (id, sku, title, price_cents) SELECT g, 'X-' || g, 'extra', 1 FROM generate_series(9001, 9007) g;
     DELETE FROM stock_levels WHERE product_id BETWEEN 301 AND 306;
     UPDATE stock_levels SET on_hand = -1 WHERE product_id BETWEEN 311 AND 316;
     INSERT INTO stock_levels (product_id, on_hand, updated_at) SELECT g, 1, now() FROM generate_series(9101, 9103) g;`,
  );

  const before = await serviceFingerprint();
  const dry = await repairService({ ...options(), dryRun: true });
  expect(await serviceFingerprint()).toBe(before);
  expect(dry.clean).toBeNull();
  const plan = new Map(dry.plan.map((t) => [t.target, t]));
  const ids = (keys: string[][]) => keys.map((k) => Number(k[0])).sort((a, b) => a - b);
  expect(ids(plan.get('products')!.copy)).toEqual([...range(101, 112), ...range(201, 212)]);
  expect(ids(plan.get('products')!.remove)).toEqual(range(9001, 9007));
  expect(ids(plan.get('stock_levels')!.copy)).toEqual([...range(301, 306), ...range(311, 316)]);
  expect(ids(plan.get('stock_levels')!.remove)).toEqual(range(9101, 9103));
  expect(await latestRepairs(kit)).toEqual([]);

  const writer = startWriter([101, 102, 201, 202, 1, 2, 3, 500, 1500, 2000]);
  let repair;
  try {
    while (writer.writes() < 20) await sleep(20);
    const startedAt = writer.writes();
    repair = await repairService({ ...options(), batchSize: 4 });
    // the writer kept writing all through the repair
    expect(writer.writes()).toBeGreaterThan(startedAt + 10);
    // keep writing a little after the repair: the sink goes on where the repair left the rows
    const at = writer.writes();
    while (writer.writes() < at + 20) await sleep(20);
  } finally {
    await writer.stop();
  }
  // repair.clean is not asserted: its re-verify runs while the writer still rewrites its hot keys
  // every ~150 ms, and a key compared inside the sink's lag shows as differing (as in verify);
  // the verify below, once the writer stopped, is the check
  const products = repair.tables.find((t) => t.target === 'products')!;
  // at least the planted keys; keys the writer changed while verify compared may come on top
  expect(products.copied + products.deleted).toBeGreaterThanOrEqual(30);
  expect(repair.tables.find((t) => t.target === 'stock_levels')).toMatchObject({
    copied: 12,
    deleted: 3,
    remaining: 0,
  });

  await consistency();
  const { report } = await verifyService({ ...options(), kit: undefined });
  expect(report.clean).toBe(true);
  expect(report.tables.map((t) => t.extraInTarget + t.missingInTarget + t.mismatched)).toEqual([
    0, 0,
  ]);
  const hot = [...writer.latest.keys()];
  const { rows } = await service.query<{ id: string; title: string }>(
    'SELECT id, title FROM products WHERE id = ANY($1)',
    [hot],
  );
  expect(Object.fromEntries(rows.map((r) => [Number(r.id), r.title]))).toEqual(
    Object.fromEntries(writer.latest),
  );
  expect((await service.query('SELECT 1 FROM products WHERE id = 103')).rowCount).toBe(0);

  const [recorded] = await latestRepairs(kit);
  expect(recorded).toMatchObject({
    id: repair.repairId,
    service: fx.service,
    actor: 'e2e',
    direction: 'forward',
    cleanAfter: repair.clean,
  });
  expect(recorded.tables.map((t) => t.target).sort()).toEqual(['products', 'stock_levels']);
  expect(worker!.stats().deadLetters).toBe(0);
});
