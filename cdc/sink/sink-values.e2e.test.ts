/**
 * Values Debezium sends in forms the sink must turn back exactly, through the real stack: an
 * interval, arrays of logical types (date[], timestamp[], bytea[], numeric[], uuid[]), integers
 * past 2^53 (a key, a column, an array element), and large TOASTed values (text, jsonb, bytea,
 * text[]) in a table with its DEFAULT replica identity, so that an UPDATE that leaves them
 * unchanged arrives without them (Debezium's `__debezium_unavailable_value`). After each step the
 * target equals the source through the mapping (a derived column reads the large text) and
 * `ficus verify` is clean. The last test goes the other way: an update in the service DB that
 * leaves its large values unchanged reaches the legacy DB through the reverse connector and sink,
 * and the legacy row keeps them.
 */
import { createHash } from 'node:crypto';
import { jest } from '@jest/globals';
import { waitFor } from '../../lib/wait.ts';
import { createSinkFixture, sql, type SinkFixture } from '../../test-support/sink-e2e-harness.ts';
import { startSinkWorker, type SinkWorker } from './sink-worker.ts';
import { UNAVAILABLE_VALUE_PLACEHOLDER } from './unavailable-value.ts';

jest.setTimeout(180_000);

const BIG_KEY = '9007199254740993'; // 2^53 + 1: a double rounds it to …992

const COLUMNS = `id bigint PRIMARY KEY, title text NOT NULL, wait interval, days date[],
  stamps timestamp[], blobs bytea[], amounts numeric[], ids uuid[], counts bigint[], big bigint,
  body text, doc jsonb, photo bytea, tags text[]`;

const TABLES = {
  // no REPLICA IDENTITY FULL: the default, as most monoliths have it
  legacyDdl: `CREATE TABLE docs (${COLUMNS});`,
  serviceDdl: `CREATE TABLE docs (${COLUMNS}, body_length int);`,
  owns: [{ source: 'docs', target: 'docs', key: ['id'], derived: { body_length: 'length(body)' } }],
};

/** ~9,600 characters of random hex: too large for the row, too random to compress below 2 KB */
const LARGE_TEXT = "(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 300))";

let fx: SinkFixture;
let worker: SinkWorker | undefined;
let events = 0;

beforeAll(async () => {
  fx = await createSinkFixture({ tables: TABLES });
  await fx.startConnector('forward');
  worker = await startSinkWorker(fx.workerOptions('forward'));
});

afterAll(async () => {
  await worker?.stop();
  await fx?.dispose();
});

/** A row with each long value as its length and digest, so that a difference reads well. */
const brief = (row: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      typeof v === 'string' && v.length > 200
        ? `${v.length} chars, md5 ${createHash('md5').update(v).digest('hex')}`
        : v,
    ]),
  );

/** Runs legacy SQL making `count` change events, waits for all to be applied, then compares. */
async function change(text: string, count: number) {
  await sql(fx.legacyUrl, text);
  events += count;
  await fx.waitApplied('docs', events);
  const { expected, actual } = await fx.mappedAndActual('docs');
  expect(actual.map(brief)).toEqual(expected.map(brief));
  const report = await fx.verify();
  expect(report.clean).toBe(true);
  expect(worker!.stats().deadLetters).toBe(0);
  return actual;
}

test('insert: every value arrives exact', async () => {
  const rows = await change(
    `INSERT INTO docs VALUES
      (1, 'one', '1 year 2 mons 3 days 04:05:06.789', '{2024-02-29,NULL,1969-07-20}',
       '{"2024-01-02 03:04:05.123456","1900-01-01 00:00:00"}', '{"\\\\x0102",NULL,"\\\\x"}',
       '{12.50,-0.001,1e20}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}',
       '{9223372036854775807,-9223372036854775808,1}', 9223372036854775807,
       ${LARGE_TEXT}, jsonb_build_object('text', ${LARGE_TEXT}, 'n', 12345678901234567890, 'x', 1.50),
       decode(${LARGE_TEXT}, 'hex'), ARRAY[${LARGE_TEXT}, 'b']),
      (${BIG_KEY}, 'big', '-1 days +02:00:00', NULL, NULL, NULL, NULL, NULL, NULL, ${BIG_KEY},
       'small', '{"a": [1, 2.0]}', '\\x00ff', '{x}')`,
    2,
  );
  expect(rows.map((r) => r.id)).toEqual(['1', BIG_KEY]);
  expect(rows[0].wait).toBe('1 year 2 mons 3 days 04:05:06.789');
  expect(rows[0].days).toBe('{2024-02-29,NULL,1969-07-20}');
  expect(rows[0].amounts).toBe('{12.50,-0.001,100000000000000000000}');
  expect(rows[1].big).toBe(BIG_KEY);
});

test('an update of another column leaves the large values unchanged', async () => {
  // their TOASTed values are not in the change event
  const rows = await change("UPDATE docs SET title = 'one, renamed', wait = '1 mon'", 2);
  expect(rows[0].title).toBe('one, renamed');
  expect(rows[0].body.length).toBe(9600);
  expect(rows[0].body_length).toBe('9600');
});

test('an update of the large values writes them, and a delete removes the row', async () => {
  await change(
    `UPDATE docs SET body = ${LARGE_TEXT}, doc = doc || '{"more": true}', big = big - 1 WHERE id = 1`,
    1,
  );
  await change(`DELETE FROM docs WHERE id = ${BIG_KEY}`, 2); // the delete and its tombstone
});

test('an update without its large values, for a row the target lacks, is a dead letter that says why', async () => {
  await sql(fx.serviceUrl, 'DELETE FROM docs WHERE id = 1');
  await sql(fx.legacyUrl, "UPDATE docs SET title = 'lost' WHERE id = 1");
  await sql(fx.legacyUrl, `INSERT INTO docs (id, title) VALUES (2, 'after')`);
  const letters = await fx.deadLetters(1);
  expect(letters).toHaveLength(1);
  expect(letters[0].reason).toContain('public.docs key {"id":1}');
  expect(letters[0].reason).toContain('body, doc, photo, tags');
  expect(letters[0].reason).toContain(`ficus verify ${fx.service} --repair`);
  expect(letters[0].reason).toContain(`@${letters[0].offset}:`);
  // the worker went on: the next row is there, and the lost one was never written in part
  await waitFor(
    'row 2',
    async () => (await sql(fx.serviceUrl, 'SELECT 1 FROM docs WHERE id = 2')).rowCount === 1,
    { timeoutMs: 30_000 },
  );
  const { rows } = await sql(fx.serviceUrl, 'SELECT id FROM docs ORDER BY id');
  expect(rows.map((r) => r.id)).toEqual(['2']);
  expect(worker!.stats().deadLetters).toBe(1);
});

/** The `after` rows of a topic's change events, read from its start until `enough` holds. */
async function afterRows(topic: string, enough: (rows: Record<string, unknown>[]) => boolean) {
  const consumer = fx.kafka.consumer({ groupId: `after-rows-${fx.id}` });
  const rows: Record<string, unknown>[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const after = message.value && JSON.parse(message.value.toString()).payload?.after;
        if (after) rows.push(after);
      },
    });
    await waitFor(`change events in ${topic}`, async () => enough(rows), { timeoutMs: 30_000 });
    return rows;
  } finally {
    await consumer.disconnect();
  }
}

/** Row 3's values on one side, long ones as length and digest. */
const row3 = async (url: string) =>
  brief(
    (
      await sql(
        url,
        'SELECT id::text, title, body, doc::text AS doc, length(body) AS body_length FROM docs WHERE id = 3',
      )
    ).rows[0] ?? {},
  );

test('reverse: an update in the service DB that leaves the large values out keeps them in legacy', async () => {
  await sql(
    fx.legacyUrl,
    `INSERT INTO docs (id, title, body, doc) VALUES (3, 'three', ${LARGE_TEXT}, jsonb_build_object('text', ${LARGE_TEXT}, 'n', 12345678901234567890))`,
  );
  await waitFor(
    'row 3 in the service DB',
    async () =>
      JSON.stringify(await row3(fx.serviceUrl)) === JSON.stringify(await row3(fx.legacyUrl)),
    { timeoutMs: 60_000 },
  );
  await fx.startConnector('reverse', { 'snapshot.mode': 'no_data' });
  const reverse = await startSinkWorker(fx.workerOptions('reverse'));
  try {
    await sql(
      fx.serviceUrl,
      "UPDATE docs SET title = 'three, renamed in the service' WHERE id = 3",
    );
    // the event really left them out: the service table has its default replica identity too
    const [event] = await afterRows(
      `${fx.topicPrefix('reverse')}.public.docs`,
      (r) => r.length > 0,
    );
    expect(event.title).toBe('three, renamed in the service');
    expect(event.body).toBe(UNAVAILABLE_VALUE_PLACEHOLDER);
    expect(event.doc).toBe(UNAVAILABLE_VALUE_PLACEHOLDER);
    await waitFor(
      'the rename in the legacy DB',
      async () => (await row3(fx.legacyUrl)).title === 'three, renamed in the service',
      { timeoutMs: 60_000 },
    );
    const legacy = await row3(fx.legacyUrl);
    expect(legacy).toEqual(await row3(fx.serviceUrl));
    expect(legacy.body_length).toBe(9600);
    expect(reverse.stats().deadLetters).toBe(0);
  } finally {
    await reverse.stop();
  }
});
