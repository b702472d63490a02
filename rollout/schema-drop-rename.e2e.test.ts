/**
 * A mapped column dropped, and one renamed, on captured legacy tables while writes go on, on the
 * real stack (Postgres, Debezium with `column.propagate.source.type`, Kafka, the sink worker,
 * `ficus stage` and `ficus schema-changes` as an operator runs them): that table's sync pauses at
 * the changed event (nothing dead-lettered), the gate named after the change refuses `ficus
 * stage`, the other table keeps syncing; once the plan and the target are changed and the change
 * is resolved, the same worker resumes the table from the paused event: verify clean, every event
 * applied exactly once.
 */
import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { sleep, waitFor } from '../lib/wait.ts';
import { loadPlan } from '../plan/load-plan.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';
import {
  createSinkFixture,
  messageCount,
  sql,
  type SinkFixture,
} from '../test-support/sink-e2e-harness.ts';
import { stackUnleashAdmin } from '../test-support/stack-access.ts';
import { openSchemaChanges } from '../cdc/sink/schema-change-store.ts';
import { startSinkWorker, type SinkWorker } from '../cdc/sink/sink-worker.ts';
import type { WaitForConsistentPoint } from '../cdc/verify/consistent-point.ts';
import { openVerifyPool, verifyService } from '../cdc/verify/verify-service.ts';

const run = promisify(execFile);
jest.setTimeout(300_000);

let fx: SinkFixture;
let worker: SinkWorker;
let kit: pg.Pool;
let legacy: pg.Pool;
let service: pg.Pool;
let admin: Admin;
let consistency: WaitForConsistentPoint;

/** `ficus <args>` as an operator runs it on the fixture's configuration; never throws. */
async function ficus(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(REPO_ROOT, 'bin', 'ficus.js'), ...args],
      { env: { ...process.env, FICUS_CONFIG: fx.configPath, USER: 'tester' }, timeout: 60_000 },
    );
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/** Legacy traffic on both tables until stopped, in columns no test changes, on rows 11-50. */
function startTraffic() {
  let stop = false;
  const done = (async () => {
    const client = new pg.Client({ connectionString: fx.legacyUrl });
    await client.connect();
    try {
      for (let n = 0; !stop; n++) {
        const id = 11 + (n % 40); // rows 1-10 are the checks' own
        await client.query(
          n % 2
            ? `UPDATE products SET name = 'Product ' || $2::text WHERE id = $1`
            : `UPDATE inventory SET updated_at = now() - make_interval(secs => $2) WHERE product_id = $1`,
          [id, n],
        );
        await sleep(10); // a steady stream the sink keeps up with
      }
    } finally {
      await client.end();
    }
  })();
  return () => {
    stop = true;
    return done;
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
    `INSERT INTO products (id, sku, name, description, price) SELECT g, 'SKU-' || g, 'Product ' || g, 'about ' || g, g FROM generate_series(1, 50) g;
     INSERT INTO inventory (product_id, quantity) SELECT g, g FROM generate_series(1, 50) g;`,
  );
  await fx.startConnector('forward', {
    'table.include.list': `public.products,public.inventory,${fx.heartbeatTable}`,
    'column.propagate.source.type': 'public\\.products\\..*,public\\.inventory\\..*',
  });
  // as `ficus sync` runs it: a table resumed under a changed mapping is back-filled by the worker
  worker = await startSinkWorker(
    fx.syncWorkerOptions('forward', { kit, legacy, serviceDb: service, consistency }),
  );
  await fx.waitInSync('products');
  await fx.waitInSync('inventory');
});

afterAll(async () => {
  await worker?.stop();
  await admin?.disconnect();
  await Promise.all([kit?.end(), legacy?.end(), service?.end()]);
  await stackUnleashAdmin()
    .deleteFlag(fx.service)
    .catch(() => undefined);
  await fx?.dispose();
});

const topicOf = (table: string) => `${fx.topicPrefix('forward')}.public.${table}`;

/** Waits for the table's pause; checks nothing past it was applied or dead-lettered. */
async function pausedAt(table: string, description: string) {
  const topic = topicOf(table);
  await waitFor(`the ${table} sync paused`, async () => !!worker.stats().paused[topic], {
    timeoutMs: 60_000,
  });
  const at = worker.stats().paused[topic];
  expect(at.description).toBe(description);
  const stored = (await fx.storedPositions(fx.group('forward'))).find(
    (p) => p.topic === topic && p.partition === at.position.partition,
  );
  expect(stored?.nextOffset).toBe(at.position.offset);
  expect(worker.stats().deadLetters).toBe(0);
  const change = await waitFor(
    'the change recorded',
    async () => (await openSchemaChanges(kit)).find((c) => c.description === description),
    { timeoutMs: 30_000 },
  );
  return { at, change };
}

/** Waits until the worker has looked at the plan and tables `n` more times. */
async function looksTaken(n: number) {
  const from = worker.stats().mappingLooks;
  await waitFor(`${n} looks at the plan`, async () => worker.stats().mappingLooks >= from + n, {
    timeoutMs: 30_000,
  });
}

/** `ficus stage` is refused by the gate named after the change. */
async function expectStageRefused(description: string) {
  const refused = await ficus(['stage', fx.service, 'shadow', '--why', 'try']);
  expect(refused.code).toBe(1);
  expect(refused.out).toContain(`✗ schema: ${description} at offset`);
}

/** A change to a legacy row of `table` reaches the service. */
async function expectSyncing(update: string, check: string) {
  await sql(fx.legacyUrl, update);
  await waitFor(
    `${check} after ${update}`,
    async () => (await sql(fx.serviceUrl, check)).rowCount === 1,
    { timeoutMs: 60_000 },
  );
}

/** After the fix: resumed, verify clean, every event of both topics applied exactly once. */
async function expectResumedAndClean(table: string) {
  await waitFor(`the ${table} sync resumed`, async () => !worker.stats().paused[topicOf(table)], {
    timeoutMs: 60_000,
  });
  // a back-fill the resume asked for has run, and not failed
  await waitFor(
    'no back-fill waiting or running',
    async () => !worker.stats().backfills.pending && !worker.stats().backfills.running,
    { timeoutMs: 120_000 },
  );
  expect(worker.stats().backfills.failed).toBe(0);
  const { report } = await verifyService({
    plan: loadPlan(fx.planPath),
    service: fx.service,
    legacy,
    serviceDb: service,
    consistency,
  });
  expect(report).toMatchObject({ clean: true });
  const events =
    messageCount(await fx.topicEnds('products')) + messageCount(await fx.topicEnds('inventory'));
  expect(worker.stats()).toMatchObject({ applied: events, duplicates: 0, deadLetters: 0 });
}

test('a mapped column dropped: its table pauses and gates; fixed and resolved, it resumes', async () => {
  const stopTraffic = startTraffic();
  try {
    await sql(fx.legacyUrl, 'ALTER TABLE products DROP COLUMN description');
    await sql(fx.legacyUrl, `UPDATE products SET name = 'After the drop' WHERE id = 7`);
    const { change } = await pausedAt('products', 'products.description dropped');
    await expectStageRefused('products.description dropped');
    await expectSyncing(
      'UPDATE inventory SET quantity = 777 WHERE product_id = 3',
      'SELECT 1 FROM stock_levels WHERE product_id = 3 AND on_hand = 777',
    );

    // resolved before the plan is fixed: the table stays paused (the plan maps a dropped column)
    expect((await ficus(['schema-changes', 'resolve', String(change.id)])).code).toBe(0);
    await sql(fx.serviceUrl, 'ALTER TABLE products DROP COLUMN description');
    await looksTaken(2);
    expect(worker.stats().paused[topicOf('products')]).toBeDefined();

    // the plan no longer carries it: the same worker resumes from the paused event
    fx.editPlan((svc) => {
      const [products] = svc.owns as { columns: Record<string, unknown> }[];
      delete products.columns.description;
    });
    await expectSyncing(
      `UPDATE products SET name = 'Resumed' WHERE id = 8`,
      `SELECT 1 FROM products WHERE id = 8 AND title = 'Resumed'`,
    );
  } finally {
    await stopTraffic();
  }
  const { rows } = await sql(fx.serviceUrl, 'SELECT title FROM products WHERE id = 7');
  expect(rows[0].title).toBe('After the drop');
  await expectResumedAndClean('products');
  // the writer no longer carries description: the worker back-filled products (nothing differed)
  expect(worker.stats().backfills.done).toBe(1);
});

test('a mapped column renamed: its table pauses and gates; fixed and resolved, it resumes', async () => {
  const stopTraffic = startTraffic();
  const description = 'inventory.quantity dropped and inventory.qty added (renamed?)';
  try {
    await sql(fx.legacyUrl, 'ALTER TABLE inventory RENAME COLUMN quantity TO qty');
    await sql(fx.legacyUrl, 'UPDATE inventory SET qty = 555 WHERE product_id = 4');
    const { change } = await pausedAt('inventory', description);
    await expectStageRefused(description);
    await expectSyncing(
      `UPDATE products SET name = 'Still syncing' WHERE id = 9`,
      `SELECT 1 FROM products WHERE id = 9 AND title = 'Still syncing'`,
    );

    // the plan maps the new name to the same target column; then the change is resolved
    fx.editPlan((svc) => {
      const [inventory] = svc.replicates as { columns: Record<string, unknown> }[];
      delete inventory.columns.quantity;
      inventory.columns.qty = 'on_hand';
    });
    await looksTaken(2); // not resolved: it stays paused
    expect(worker.stats().paused[topicOf('inventory')]).toBeDefined();
    expect((await ficus(['schema-changes', 'resolve', String(change.id)])).code).toBe(0);
    await expectSyncing(
      'UPDATE inventory SET qty = 556 WHERE product_id = 5',
      'SELECT 1 FROM stock_levels WHERE product_id = 5 AND on_hand = 556',
    );
  } finally {
    await stopTraffic();
  }
  const { rows } = await sql(
    fx.serviceUrl,
    'SELECT on_hand FROM stock_levels WHERE product_id = 4',
  );
  expect(rows[0].on_hand).toBe(555);
  await expectResumedAndClean('inventory');
  expect((await ficus(['stage', fx.service, 'shadow', '--why', 'try'])).out).not.toContain(
    '✗ schema:',
  );
});
