/**
 * A column the monolith's team adds to a captured legacy table while writes go on, on the real
 * stack (Postgres, Debezium with `column.propagate.source.type`, Kafka, the sink worker): not
 * mapped, it is recorded and the sync goes on; then the plan maps it and the service's migration
 * adds it, and the same worker, never restarted, writes it for the rows changed after and
 * back-fills the rows synced before by itself (schema-backfill.ts: the repair of that table, under
 * traffic, recorded in the kit DB), and verify is clean with every event applied once.
 */
import { jest } from '@jest/globals';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { sleep, waitFor } from '../../lib/wait.ts';
import { loadPlan } from '../../plan/load-plan.ts';
import {
  createSinkFixture,
  messageCount,
  sql,
  type SinkFixture,
} from '../../test-support/sink-e2e-harness.ts';
import type { WaitForConsistentPoint } from '../verify/consistent-point.ts';
import { openVerifyPool, verifyService } from '../verify/verify-service.ts';
import { openSchemaChanges } from './schema-change-store.ts';
import { startSinkWorker, type SinkWorker } from './sink-worker.ts';

jest.setTimeout(300_000);

let fx: SinkFixture;
let worker: SinkWorker;
let kit: pg.Pool;
let legacy: pg.Pool;
let service: pg.Pool;
let admin: Admin;
let consistency: WaitForConsistentPoint;

/**
 * Legacy traffic until stopped: names of existing products changed, new products inserted. Rows
 * 1 to 100 are left alone: only the back-fill can give them their colour.
 */
function startTraffic() {
  let stop = false;
  const done = (async () => {
    const client = new pg.Client({ connectionString: fx.legacyUrl });
    await client.connect();
    try {
      for (let n = 0; !stop; n++) {
        if (n % 4 === 0)
          await client.query(
            `INSERT INTO products (id, sku, name, price) VALUES ($1::bigint, 'SKU-' || $1::text, 'New ' || $1::text, 3.50)`,
            [10_000 + n],
          );
        else
          await client.query(`UPDATE products SET name = 'Product ' || $2 WHERE id = $1`, [
            101 + (n % 200),
            n,
          ]);
        // a steady stream the sink keeps up with (a flood would keep every hot row behind)
        await sleep(10);
      }
    } finally {
      await client.end();
    }
  })();
  return {
    stop: async () => {
      stop = true;
      await done;
    },
  };
}

beforeAll(async () => {
  fx = await createSinkFixture();
  kit = new pg.Pool({ connectionString: fx.kit.url, max: 2 });
  legacy = openVerifyPool(fx.legacyUrl);
  service = openVerifyPool(fx.serviceUrl);
  admin = fx.kafka.admin();
  await admin.connect();
  consistency = await fx.forwardConsistency(legacy, service, admin);
  await sql(
    fx.legacyUrl,
    `INSERT INTO products (id, sku, name, price) SELECT g, 'SKU-' || g, 'Product ' || g, g / 10.0 FROM generate_series(1, 300) g;
     INSERT INTO inventory (product_id, quantity) SELECT g, g FROM generate_series(1, 50) g;`,
  );
  await fx.startConnector('forward', {
    'table.include.list': `public.products,public.inventory,${fx.heartbeatTable}`,
    'column.propagate.source.type': 'public\\.products\\..*,public\\.inventory\\..*',
  });
  // as `ficus sync` runs it: the plan file read again, and the worker back-fills by itself (in
  // chunks of 100 rows, so that the back-fill of a few hundred spans several under the traffic)
  worker = await startSinkWorker(
    fx.syncWorkerOptions('forward', {
      kit,
      legacy,
      serviceDb: service,
      consistency,
      chunkSize: 100,
    }),
  );
  await fx.waitInSync('products');
});

afterAll(async () => {
  await worker?.stop();
  await admin?.disconnect();
  await Promise.all([kit?.end(), legacy?.end(), service?.end()]);
  await fx?.dispose();
});

const colourOf = async (id: number) =>
  (await sql(fx.serviceUrl, 'SELECT colour FROM products WHERE id = $1', [id])).rows[0]?.colour;

test('a column added mid-stream is picked up once mapped, without a restart, and back-filled', async () => {
  const traffic = startTraffic();
  try {
    // the monolith's team ships a column; existing rows take its default (no change event)
    await sql(fx.legacyUrl, `ALTER TABLE products ADD COLUMN colour text DEFAULT 'unpainted'`);
    await sql(fx.legacyUrl, `UPDATE products SET colour = 'red' WHERE id <= 20`);
    await waitFor(
      'the added column recorded',
      async () =>
        (await openSchemaChanges(kit)).some(
          (c) => c.description === 'products.colour added (not mapped)',
        ),
      { timeoutMs: 60_000 },
    );
    // not mapped: the sync goes on (rows written after the column was added keep arriving)
    const { rows } = await sql(fx.legacyUrl, 'SELECT max(id)::int AS id FROM products');
    await waitFor(
      'a row inserted after the column was added synced',
      async () =>
        (await sql(fx.serviceUrl, 'SELECT 1 FROM products WHERE id = $1', [rows[0].id]))
          .rowCount === 1,
      { timeoutMs: 60_000 },
    );
    expect(worker.stats().paused).toEqual({});

    // the service's migration adds it, then the plan maps it (the order could be either)
    await sql(fx.serviceUrl, 'ALTER TABLE products ADD COLUMN colour text');
    fx.editPlan((svc) => {
      const [products] = svc.owns as { columns: Record<string, unknown> }[];
      products.columns.colour = 'colour';
    });

    // the same worker writes it for the rows changed from now on
    const appliedBefore = worker.stats().applied;
    await waitFor(
      'a change to a legacy row carrying its colour',
      async () => {
        await sql(fx.legacyUrl, `UPDATE products SET colour = 'blue' WHERE id = 1`);
        return (await colourOf(1)) === 'blue';
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(worker.stats().applied).toBeGreaterThan(appliedBefore);

    // and back-fills the rows synced before by itself, while the traffic goes on (a first look may
    // have compiled a changed writer before the plan mapped the column: a back-fill that finds
    // nothing; the one for the column follows it)
    await waitFor(
      'the worker back-filled the colour',
      async () => {
        const { pending, running, failed } = worker.stats().backfills;
        if (failed) throw new Error('the back-fill failed (see the log)');
        return !pending && !running && (await colourOf(20)) === 'red';
      },
      { timeoutMs: 120_000 },
    );
    expect(await colourOf(100)).toBe('unpainted');
    // recorded like any repair (status and report show the latest)
    const { rows: repairs } = await sql(
      fx.kit.url,
      'SELECT actor, clean_after, tables FROM verify_repairs WHERE service = $1 ORDER BY id',
      [fx.service],
    );
    expect(repairs.at(-1)).toMatchObject({
      actor: `ficus sync ${fx.service} --direction forward (back-fill after a schema change)`,
      clean_after: true,
    });
    const [products] = repairs.at(-1)!.tables as { target: string; copied: number }[];
    expect(products.target).toBe('products');
    // rows 2 to 100 at least: no event of theirs carried a colour
    expect(products.copied).toBeGreaterThanOrEqual(99);
  } finally {
    await traffic.stop();
  }
  await sql(
    fx.legacyUrl,
    `INSERT INTO products (id, sku, name, price, colour) VALUES (9999, 'SKU-9999', 'Late', 1, 'green')`,
  );

  const plan = loadPlan(fx.planPath);
  const { report } = await verifyService({
    plan,
    service: fx.service,
    legacy,
    serviceDb: service,
    consistency,
  });
  expect(report.clean).toBe(true);
  expect(await colourOf(9999)).toBe('green');
  // every event applied once: the worker was never restarted and read both topics from the start
  const ends =
    messageCount(await fx.topicEnds('products')) + messageCount(await fx.topicEnds('inventory'));
  expect(worker.stats()).toMatchObject({
    applied: ends,
    deadLetters: 0,
    duplicates: 0,
    paused: {},
  });
});
