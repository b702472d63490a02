/**
 * Column changes of the service's own table after `live`, while the service writes: the reverse
 * sync (service DB → legacy DB, Debezium on the service DB with `column.propagate.source.type`, as
 * ficus's connectors run) handles them as the forward sync does. A column the service adds and the
 * plan does not map back is recorded and the reverse sync goes on; a mapped column's type change
 * pauses that table's reverse sync at its event, a gate named after it blocks every stage advance,
 * and once resolved the same worker resumes from the paused event: verify clean, every event
 * applied once, nothing dead-lettered. The added column, mapped back later (plan + legacy
 * migration), is picked up and back-filled into the legacy table by the reverse worker itself.
 */
import { jest } from '@jest/globals';
import pg from 'pg';
import { sleep, waitFor } from '../lib/wait.ts';
import { loadPlan } from '../plan/load-plan.ts';
import { schemaEvidence } from './gate-evidence.ts';
import { evaluateGates } from './gates.ts';
import { createSinkFixture, sql, type SinkFixture } from '../test-support/sink-e2e-harness.ts';
import { openVerifyPool, verifyService } from '../cdc/verify/verify-service.ts';
import { openSchemaChanges, resolveSchemaChange } from '../cdc/sink/schema-change-store.ts';
import { startSinkWorker, type SinkWorker } from '../cdc/sink/sink-worker.ts';

jest.setTimeout(300_000);

let fx: SinkFixture;
let reverse: SinkWorker | undefined;
let kit: pg.Pool;
let legacy: pg.Pool;
let service: pg.Pool;
let stopAdmin: (() => Promise<void>) | undefined;

/**
 * The service's own writes until stopped: titles of existing products changed (and the search text
 * the service's code keeps with them, which the forward mapping derives from the legacy name).
 * Rows 41 to 50 are left to the checks (the traffic would overwrite what they look for).
 */
function startTraffic() {
  let stop = false;
  const done = (async () => {
    const client = new pg.Client({ connectionString: fx.serviceUrl });
    await client.connect();
    try {
      for (let n = 0; !stop; n++) {
        await client.query(
          `UPDATE products SET title = 'Service ' || $2, search_text = lower('Service ' || $2 || ' ' || sku) WHERE id = $1`,
          [1 + (n % 40), n],
        );
        await sleep(20); // a steady stream the sink keeps up with
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

const recorded = async () =>
  (await openSchemaChanges(kit)).filter(
    (c) => c.service === fx.service && c.direction === 'reverse',
  );
const reverseTopic = () => `${fx.topicPrefix('reverse')}.public.products`;

/** Verify as of now, until clean (the reverse sink catches up with the service's writes). */
async function expectClean() {
  const plan = loadPlan(fx.planPath);
  let last: unknown;
  await waitFor(
    'verify clean',
    async () => {
      const { report } = await verifyService({
        plan,
        service: fx.service,
        legacy,
        serviceDb: service,
      });
      last = report;
      return report.clean;
    },
    { timeoutMs: 90_000, intervalMs: 1_000 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}: ${JSON.stringify(last)}`);
  });
}

beforeAll(async () => {
  fx = await createSinkFixture();
  kit = new pg.Pool({ connectionString: fx.kit.url, max: 2 });
  legacy = openVerifyPool(fx.legacyUrl);
  service = openVerifyPool(fx.serviceUrl);
  await sql(
    fx.legacyUrl,
    `INSERT INTO products (id, sku, name, price) SELECT g, 'SKU-' || g, 'Product ' || g, g / 10.0 FROM generate_series(1, 50) g;
     INSERT INTO inventory (product_id, quantity) SELECT g, g FROM generate_series(1, 10) g;`,
  );
  // before live: the forward sync fills the service's tables
  await fx.startConnector('forward');
  const forward = await startSinkWorker(fx.workerOptions('forward'));
  await fx.waitInSync('products');
  await fx.waitInSync('inventory');
  await forward.stop();
  // live: the service owns the writes; its table goes back to legacy
  const admin = fx.kafka.admin();
  await admin.connect();
  stopAdmin = () => admin.disconnect();
  const consistency = await fx.reverseConsistency(service, legacy, admin);
  await fx.startConnector('reverse', {
    'table.include.list': `public.products,${fx.heartbeatTable}`,
    'column.propagate.source.type': 'public\\.products\\..*',
  });
  // as `ficus sync --direction reverse` runs it: back-fills into legacy by itself
  reverse = await startSinkWorker(
    fx.syncWorkerOptions('reverse', { kit, legacy, serviceDb: service, consistency }),
  );
});

afterAll(async () => {
  await reverse?.stop();
  await stopAdmin?.();
  await Promise.all([kit?.end(), legacy?.end(), service?.end()]);
  await fx?.dispose();
});

test('a column the service adds and the plan does not map back is recorded; the reverse sync goes on', async () => {
  const traffic = startTraffic();
  try {
    await sql(fx.serviceUrl, `ALTER TABLE products ADD COLUMN badge text`);
    await sql(
      fx.serviceUrl,
      `UPDATE products SET badge = 'new', title = 'Badged', search_text = lower('Badged ' || sku) WHERE id = 49`,
    );
    await waitFor('the added column recorded', async () => (await recorded()).length === 1, {
      timeoutMs: 60_000,
    });
    const [added] = await recorded();
    expect(added).toMatchObject({
      table: 'products',
      column: 'badge',
      kind: 'added',
      mapped: false,
      breaking: false,
    });
    await waitFor(
      'the row changed with it reached legacy',
      async () =>
        (await sql(fx.legacyUrl, 'SELECT name FROM products WHERE id = 49')).rows[0]?.name ===
        'Badged',
      { timeoutMs: 60_000 },
    );
    expect(reverse!.stats().paused).toEqual({});
    expect(await schemaEvidence(fx.kit.knex, fx.service)).toEqual([]);
  } finally {
    await traffic.stop();
  }
  await expectClean();
});

test("a mapped column's type changed by the service pauses that table's reverse sync and gates; resolved, it resumes", async () => {
  const traffic = startTraffic();
  try {
    await sql(fx.serviceUrl, 'ALTER TABLE products ALTER COLUMN title TYPE varchar(200)');
    await sql(
      fx.serviceUrl,
      `UPDATE products SET title = 'After the change', search_text = lower('After the change ' || sku) WHERE id = 50`,
    );
    await waitFor(
      'the reverse sync of products paused',
      async () => {
        return !!reverse!.stats().paused[reverseTopic()];
      },
      { timeoutMs: 60_000 },
    );
    const pausedAt = reverse!.stats().paused[reverseTopic()];
    expect(pausedAt.description).toBe('products.title changed text → varchar');
    // nothing past the change reached legacy
    const legacyName = async () =>
      (await sql(fx.legacyUrl, 'SELECT name FROM products WHERE id = 50')).rows[0]?.name;
    expect(await legacyName()).toBe('Product 50');

    await waitFor(
      'the type change recorded',
      async () => (await recorded()).some((c) => c.breaking),
      { timeoutMs: 30_000 },
    );
    const changed = (await recorded()).find((c) => c.breaking)!;
    expect(changed).toMatchObject({ column: 'title', kind: 'type changed', mapped: true });
    // the gate named after it blocks every stage advance
    const schemaChanges = await schemaEvidence(fx.kit.knex, fx.service);
    expect(schemaChanges.map((c) => c.gate)).toEqual([
      expect.stringMatching(/^schema: products\.title changed text → varchar at offset /),
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
    const failing = evaluateGates('complete', evidence).filter((g) => !g.ok);
    expect(failing.map((g) => g.gate)).toEqual([schemaChanges[0].gate]);

    // the plan maps title → name still (varchar into text is fine): resolved, the worker resumes
    expect(await resolveSchemaChange(kit, changed.id)).toBe(true);
    await waitFor(
      'the reverse sync resumed',
      async () => !reverse!.stats().paused[reverseTopic()],
      {
        timeoutMs: 60_000,
      },
    );
    await waitFor(
      'the paused change reached legacy',
      async () => (await legacyName()) === 'After the change',
      {
        timeoutMs: 60_000,
      },
    );
  } finally {
    await traffic.stop();
  }
  // the writer changed (the column's type): the worker back-filled legacy, finding nothing amiss
  await waitFor(
    'the back-fill after the resume finished',
    async () => !reverse!.stats().backfills.pending && !reverse!.stats().backfills.running,
    { timeoutMs: 120_000 },
  );
  expect(reverse!.stats().backfills).toMatchObject({ done: 1, failed: 0 });
  await expectClean();
  expect(await schemaEvidence(fx.kit.knex, fx.service)).toEqual([]);
  // every event of the reverse topic applied once, none dead-lettered
  const admin = fx.kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(reverseTopic());
    const messages = ends.reduce((sum, p) => sum + Number(p.high), 0);
    await waitFor(
      'every reverse event applied',
      async () =>
        reverse!.stats().applied + reverse!.stats().echoes + reverse!.stats().duplicates >=
        messages,
      {
        timeoutMs: 60_000,
      },
    );
    expect(reverse!.stats()).toMatchObject({ applied: messages, deadLetters: 0, duplicates: 0 });
  } finally {
    await admin.disconnect();
  }
});

test('the added column mapped back (plan + legacy migration) is picked up and back-filled into legacy', async () => {
  // rows the service gave a badge while it was not mapped back: legacy has no such column yet
  await sql(fx.serviceUrl, `UPDATE products SET badge = 'sale' WHERE id BETWEEN 41 AND 48`);
  // (the resume of the type change above ran one already: its writer changed)
  const before = reverse!.stats().backfills.done;
  const traffic = startTraffic();
  try {
    await sql(fx.legacyUrl, 'ALTER TABLE products ADD COLUMN badge text');
    fx.editPlan((svc) => {
      const [products] = svc.owns as { columns: Record<string, unknown> }[];
      products.columns.badge = 'badge';
    });
    await waitFor(
      'the reverse worker back-filled products',
      async () => {
        const { done, failed } = reverse!.stats().backfills;
        if (failed) throw new Error('the back-fill failed (see the log)');
        return done === before + 1;
      },
      { timeoutMs: 120_000 },
    );
    const { rows } = await sql(
      fx.legacyUrl,
      'SELECT id::int AS id, badge FROM products WHERE id BETWEEN 41 AND 50 ORDER BY id',
    );
    expect(rows.map((r) => r.badge)).toEqual([...Array(8).fill('sale'), 'new', null]);
    const { rows: repairs } = await sql(
      fx.kit.url,
      `SELECT actor, direction, clean_after, tables FROM verify_repairs WHERE service = $1 AND actor = $2 ORDER BY id`,
      [
        fx.service,
        `ficus sync ${fx.service} --direction reverse (back-fill after a schema change)`,
      ],
    );
    expect(repairs.at(-1)).toMatchObject({ direction: 'reverse', clean_after: true });
    const [products] = repairs.at(-1)!.tables as {
      target: string;
      direction: string;
      copied: number;
    }[];
    expect(products).toMatchObject({ target: 'products', direction: 'reverse' });
    // rows 41 to 49 at least (rows the traffic changes meanwhile may be re-copied too: harmless)
    expect(products.copied).toBeGreaterThanOrEqual(9);
  } finally {
    await traffic.stop();
  }
  await expectClean();
  expect(reverse!.stats()).toMatchObject({ deadLetters: 0, paused: {} });
});
