/**
 * Snapshot interleaved with live writes: the legacy table holds 150,000 products when the
 * connector starts, so Debezium's initial snapshot takes seconds. While it runs, and while the
 * sink applies its reads as they come, waves of updates, deletes, inserts and re-inserts spread
 * over the whole id range (rows the snapshot has read already and rows it has not read yet)
 * commit, each once the snapshot has moved on by another tenth; more waves follow once it is over.
 * The snapshot reads the table as of its slot's start and every later change streams after it, so
 * the target must end equal to the source through the mapping, and `ficus verify` must be clean.
 */
import { jest } from '@jest/globals';
import pg from 'pg';
import { waitFor } from '../../lib/wait.ts';
import {
  createSinkFixture,
  messageCount,
  sql,
  urls,
  type SinkFixture,
} from '../../test-support/sink-e2e-harness.ts';
import { startSinkWorker, type SinkWorker } from './sink-worker.ts';

// 65 s on a quiet machine with the stack warm; 230 s beside sink-crash's stream on a stack just
// started (both feed the one Connect worker on the same two cores). The waits below fail on their
// own when the snapshot or the stream stops moving: what this allows is slowness, not a hang.
jest.setTimeout(360_000);

const ROWS = 150_000;
const WAVES_DURING = 7; // at 10 %, 20 %, ... 70 % of the snapshot
const WAVES_AFTER = 2;

let fx: SinkFixture;
let worker: SinkWorker | undefined;

beforeAll(async () => {
  fx = await createSinkFixture();
  await sql(
    fx.legacyUrl,
    `INSERT INTO products (id, sku, name, price)
    SELECT g, 'SKU-' || g, 'Product ' || g, (g % 10000) / 100.0 FROM generate_series(1, ${ROWS}) g`,
  );
});

afterAll(async () => {
  await worker?.stop();
  await fx?.dispose();
});

/** messages in the products topic, over all partitions */
const eventsInTopic = async () => messageCount(await fx.topicEnds('products'));

/** whether the connector streams from its slot (it starts to only once the snapshot is over) */
async function streaming(): Promise<boolean> {
  const { rows } = await sql(
    urls.legacyAdmin('postgres'),
    'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
    [fx.slot('forward')],
  );
  return rows[0]?.active === true;
}

/** change events of the waves, counted as the rows each statement changed */
const issued = { inserts: 0, updates: 0, deletes: 0 };

/**
 * One transaction of changes spread over every id, old and new: updates, deletes, new rows (some
 * updated again in the same transaction), and re-inserts of a third of the previous wave's deletes.
 */
async function wave(k: number) {
  const fresh = ROWS + (k - 1) * 1000;
  const client = new pg.Client({ connectionString: fx.legacyUrl });
  await client.connect();
  const change = async (kind: keyof typeof issued, text: string) => {
    issued[kind] += (await client.query(text)).rowCount ?? 0;
  };
  try {
    await client.query('BEGIN');
    await change(
      'updates',
      `UPDATE products SET price = price + 1, name = name || ' w${k}', active = NOT active WHERE id % 40 = ${k}`,
    );
    await change('deletes', `DELETE FROM products WHERE id % 101 = ${k}`);
    await change(
      'inserts',
      `INSERT INTO products (id, sku, name, price)
      SELECT g, 'SKU-' || g, 'New ' || g, 5.00 FROM generate_series(${fresh + 1}, ${fresh + 1000}) g`,
    );
    if (k > 1)
      await change(
        'inserts',
        `INSERT INTO products (id, sku, name, price)
        SELECT g, 'SKU-' || g, 'Again ' || g, 7.50 FROM generate_series(3, ${fresh - 1000}, 3) g WHERE g % 101 = ${k - 1}`,
      );
    await change(
      'updates',
      `UPDATE products SET description = 'touched in wave ${k}' WHERE id % 1000 = ${k} OR id > ${fresh + 900}`,
    );
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

test('writes committed while the initial snapshot runs: the target equals the source, verify is clean', async () => {
  worker = await startSinkWorker(fx.workerOptions('forward'));
  await fx.startConnector('forward', {}, { awaitStreaming: false });

  // each wave commits once the snapshot has moved on by another tenth; right after its commit,
  // the topic short of the table's rows means the snapshot was not over yet when it committed
  const during: { snapshotEvents: number; streaming: boolean }[] = [];
  for (let k = 1; k <= WAVES_DURING; k++) {
    await waitFor(
      `the snapshot at ${k * 10} %`,
      async () => (await eventsInTopic()) >= (k * ROWS) / 10,
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    if (k === 1)
      await waitFor(
        'the sink to apply part of the snapshot',
        async () =>
          Number((await sql(fx.serviceUrl, 'SELECT count(*) AS n FROM products')).rows[0].n) > 0,
        { timeoutMs: 60_000, intervalMs: 20 },
      );
    await wave(k);
    during.push({ snapshotEvents: await eventsInTopic(), streaming: await streaming() });
  }
  expect(during[0].snapshotEvents).toBeLessThan(ROWS);
  expect(during[0].streaming).toBe(false);
  expect(during.filter((w) => w.snapshotEvents < ROWS).length).toBeGreaterThanOrEqual(3);

  await waitFor('the connector to stream', streaming, { timeoutMs: 60_000, intervalMs: 50 });
  for (let k = WAVES_DURING + 1; k <= WAVES_DURING + WAVES_AFTER; k++) await wave(k);

  // the topic holds exactly the snapshot's reads of the table as it was before any wave and one
  // event per row the waves changed (plus a tombstone per delete): every wave committed after the
  // snapshot's starting point; and the sink has applied them all
  await fx.waitApplied('products', ROWS + issued.inserts + issued.updates + 2 * issued.deletes);
  const { expected, actual } = await fx.waitInSync('products', 30_000);
  expect(new Set(actual.map((r) => r.id)).size).toBe(actual.length);
  // the waves' deletes and new rows show in the result
  expect(actual.filter((r) => Number(r.id) <= ROWS).length).toBeLessThan(ROWS);
  expect(actual.some((r) => Number(r.id) > ROWS)).toBe(true);
  expect(await fx.verify()).toEqual(fx.cleanReport(expected.length));
  expect(worker.stats().deadLetters).toBe(0);
});
