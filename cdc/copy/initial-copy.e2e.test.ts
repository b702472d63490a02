/**
 * The bulk initial copy end to end, as users run it: the copy is asked for in the service DB (what
 * `ficus connectors apply` does before it creates a connector with a new slot), the connector
 * streams without a snapshot, and `ficus sync` (a child process) copies the legacy tables through
 * the plan's mapping in chunks while inserts, updates and deletes go on in the legacy DB. The sync
 * is killed with SIGKILL at random points while chunks are left to copy and started again each
 * time. At the end: the copy is done with every chunk recorded once, the service's rows equal the
 * legacy rows through the mapping, verify is clean, and a log of every write to the service's
 * products (an ALWAYS trigger, which fires for the copy and the sink alike) shows each row's
 * version only moving forward: no streamed change the copy already held was applied again over a
 * newer copied row, none was lost.
 */
import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';
import { waitFor, sleep } from '../../lib/wait.ts';
import { createSinkFixture, sql, type SinkFixture } from '../../test-support/sink-e2e-harness.ts';
import { readCopies, requestCopies } from './copy-store.ts';
import { readCopyProgress } from './copy-progress-store.ts';
import { failOnPgQueryOverlap } from '../../test-support/pg-overlap-guard.ts';

jest.setTimeout(300_000);

failOnPgQueryOverlap();

const PRODUCTS = 40_000;
const STOCK = 20_000;
/** kills that must land while chunks are left to copy */
const KILLS = 3;

let fx: SinkFixture;
let service: string;
let child: ChildProcess | undefined;
const output: string[] = [];
const metricsPort = 20_000 + Math.floor(Math.random() * 20_000);

function startSync(): ChildProcess {
  const sync = fx.syncCommand('forward', metricsPort, ['--progress-interval', '1000']);
  const proc = spawn(process.execPath, sync.args, {
    env: { ...sync.env, FICUS_RETRY_FAST: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (d: Buffer) => output.push(d.toString());
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  return proc;
}

const exited = (proc: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) resolve();
    else proc.once('exit', () => resolve());
  });

async function chunkCounts(): Promise<{ copied: number; total: number; state: string[] }> {
  const copies = await readCopies({ query: (t, p) => sql(fx.serviceUrl, t, p) }, service);
  return {
    copied: copies.reduce((n, c) => n + c.chunksCopied, 0),
    total: copies.reduce((n, c) => n + c.chunks, 0),
    state: copies.map((c) => c.state),
  };
}

/** Inserts, updates (each a new version stamp) and deletes of products and stock, until stopped. */
function startWriter() {
  let stop = false;
  const done = (async () => {
    const db = new pg.Client({ connectionString: fx.legacyUrl });
    await db.connect();
    let next = PRODUCTS + 1;
    try {
      while (!stop) {
        const id = 1 + Math.floor(Math.random() * (next - 1));
        await db.query('BEGIN');
        await db.query(
          `INSERT INTO products (id, sku, name, price, updated_at) VALUES ($1::bigint, 'N-' || $1::text, 'new ' || $1::text, 5.00, clock_timestamp())`,
          [next++],
        );
        await db.query(
          `UPDATE products SET price = price + 0.01, updated_at = clock_timestamp() WHERE id = ANY($1::bigint[])`,
          [[id, (id * 7) % next, (id * 13) % next]],
        );
        await db.query(
          'UPDATE inventory SET quantity = quantity + 1, updated_at = clock_timestamp() WHERE product_id = $1',
          [1 + (id % STOCK)],
        );
        if (id % 5 === 0) await db.query('DELETE FROM products WHERE id = $1', [(id * 3) % next]);
        await db.query('COMMIT');
      }
    } finally {
      await db.end();
    }
  })();
  return { stop: async () => ((stop = true), await done) };
}

beforeAll(async () => {
  fx = await createSinkFixture();
  service = fx.plan.services[0].name;
  // small chunks at a bounded pace, so that kills land between chunks and in the middle of one
  fs.appendFileSync(
    fx.configPath,
    '\ncopy:\n  chunkRows: 2000\n  concurrency: 2\n  rowsPerSecond: 6000\n',
  );
  await sql(
    fx.legacyUrl,
    `INSERT INTO products (id, sku, name, description, price, updated_at)
       SELECT g, 'SKU-' || g, 'Product ' || g, repeat('x', g % 50), (g % 9000) / 100.0 + 1, now() FROM generate_series(1, ${PRODUCTS}) g;
     INSERT INTO inventory (product_id, quantity, reserved) SELECT g, g % 100, 0 FROM generate_series(1, ${STOCK}) g;
     ANALYZE products; ANALYZE inventory;`,
  );
  // every write to the service's products, in order (the copy's COPY and the sink's statements)
  await sql(
    fx.serviceUrl,
    `CREATE TABLE write_log (n bigserial PRIMARY KEY, id bigint, updated_at timestamptz, op text);
     CREATE FUNCTION log_write() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' THEN INSERT INTO write_log (id, updated_at, op) VALUES (OLD.id, NULL, 'd');
         ELSE INSERT INTO write_log (id, updated_at, op) VALUES (NEW.id, NEW.updated_at, lower(left(TG_OP, 1))); END IF;
         RETURN NULL;
       END $$;
     CREATE TRIGGER log_write AFTER INSERT OR UPDATE OR DELETE ON products FOR EACH ROW EXECUTE FUNCTION log_write();
     ALTER TABLE products ENABLE ALWAYS TRIGGER log_write;
     CREATE INDEX products_title_lower ON products (lower(title)) WHERE active;`,
  );
  const db = new pg.Client({ connectionString: fx.serviceUrl });
  await db.connect();
  try {
    await requestCopies(db, service, fx.slot('forward'), [
      { schema: 'public', table: 'products' },
      { schema: 'public', table: 'inventory' },
    ]);
  } finally {
    await db.end();
  }
});

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exited(child);
  }
  await fx?.dispose();
});

it('copies under writes, killed with SIGKILL and resumed, to a clean verify with nothing applied twice', async () => {
  await fx.startConnector('forward', { 'snapshot.mode': 'no_data' });
  const writer = startWriter();
  let kills = 0;
  try {
    while (kills < KILLS) {
      child = startSync();
      const before = (await chunkCounts()).copied;
      // wait for this run to copy a chunk or two, then kill it at a random moment
      await waitFor('a chunk copied', async () => (await chunkCounts()).copied > before, {
        timeoutMs: 120_000,
        intervalMs: 100,
      });
      await sleep(Math.random() * 1500);
      const counts = await chunkCounts();
      child.kill('SIGKILL');
      await exited(child);
      if (counts.copied < counts.total) kills++;
      else break;
    }
    expect(kills).toBe(KILLS);
    child = startSync();
    await waitFor(
      'the copy done',
      async () => (await chunkCounts()).state.every((s) => s === 'done'),
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    await sleep(2000); // the stream goes on through the sink
  } finally {
    await writer.stop();
  }
  await fx.waitInSync('products', 120_000);
  await fx.waitInSync('inventory', 60_000);
  const report = await fx.verify();
  expect(report.clean).toBe(true);

  // every chunk recorded once, and the rows it copied add up to a table's worth
  const { rows: chunks } = await sql(
    fx.serviceUrl,
    `SELECT source_table, count(*)::int AS chunks, count(snapshot)::int AS copied, sum(rows)::int AS rows
       FROM ficus_copy_chunks GROUP BY 1 ORDER BY 1`,
  );
  expect(chunks.map((c) => c.source_table)).toEqual(['inventory', 'products']);
  for (const c of chunks) expect(c.copied).toBe(c.chunks);
  expect(chunks[0].rows).toBe(STOCK);
  expect(chunks[1].chunks).toBeGreaterThan(10);

  // versions only move forward per row between a row's deletes: nothing older applied over newer
  const { rows: regressions } = await sql(
    fx.serviceUrl,
    `SELECT id, updated_at, previous FROM (
       SELECT id, op, updated_at, lag(updated_at) OVER (PARTITION BY id ORDER BY n) AS previous,
              lag(op) OVER (PARTITION BY id ORDER BY n) AS previous_op
         FROM write_log) w
      WHERE op <> 'd' AND previous_op IS DISTINCT FROM 'd' AND updated_at < previous LIMIT 5`,
  );
  expect(regressions).toEqual([]);
  const skipped = output.join('').match(/(\d+) in the initial copy/g) ?? [];
  expect(skipped.length).toBeGreaterThan(0);

  // the secondary index was dropped for the copy (the table was empty), and is back as it was
  const { rows: deferred } = await sql(
    fx.serviceUrl,
    `SELECT deferred_indexes FROM ficus_copy_tables WHERE source_table = 'products'`,
  );
  expect(deferred[0].deferred_indexes.map((i: { name: string }) => i.name)).toEqual([
    'products_title_lower',
  ]);
  const { rows: indexes } = await sql(
    fx.serviceUrl,
    `SELECT pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AS valid FROM pg_index i
      WHERE i.indexrelid = 'products_title_lower'::regclass`,
  );
  expect(indexes).toEqual([
    {
      def: 'CREATE INDEX products_title_lower ON public.products USING btree (lower(title)) WHERE active',
      valid: true,
    },
  ]);

  // what `ficus status` shows: the result, recorded in the fixture's kit DB by the workers
  const recorded = await waitFor(
    'the final figures in the kit DB',
    async () => {
      const all = await readCopyProgress({ query: (t, p) => sql(fx.kit.url, t, p) });
      return all.length === 2 && all.every((c) => c.state === 'done') ? all : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  expect(recorded.map((c) => [c.table, c.chunksCopied === c.chunks])).toEqual([
    ['public.inventory', true],
    ['public.products', true],
  ]);
  expect(recorded[0].rowsCopied).toBe(STOCK);
  expect(recorded[1].rowsPerSecond).toBeGreaterThan(0);
});
