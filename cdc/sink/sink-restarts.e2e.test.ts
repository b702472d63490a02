/**
 * The sink survives a real restart of the Kafka broker and of the target PostgreSQL server in the
 * middle of a stream: it keeps retrying (no crash, no dead letters) and, once everything is back,
 * the target equals the state the stream leaves behind (per key the last write wins, deleted keys
 * absent), through the plan's mapping (a rename and a `cents` conversion), and the positions stored
 * in the target equal the high watermarks. Each event is applied at most once.
 *
 * The shared stack's broker and clusters serve every other suite, so this suite starts a private
 * broker and a private cluster (private-stack.ts) and restarts those; the sink runs in-process.
 */
import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Partitioners, type Producer } from 'kafkajs';
import YAML from 'yaml';
import { createLogger } from '../../lib/logger.ts';
import { sleep, waitFor } from '../../lib/wait.ts';
import { parsePlan } from '../../plan/load-plan.ts';
import { compileTableMapping, renderMappedSelect } from '../../plan/mapping.ts';
import { describeTable } from '../../plan/describe-table.ts';
import { createPrivateStack, type PrivateStack } from '../../test-support/private-stack.ts';
import { productStream, type ProductRow } from '../../test-support/product-stream.ts';
import { FAST_RETRY } from '../../lib/retry.ts';
import { startSinkWorker, type SinkWorker } from './sink-worker.ts';
import { createKafkaClient } from '../kafka/kafka-clients.ts';

jest.setTimeout(180_000);

const EVENTS = 10_000;
const CHUNK = 500;

let stack: PrivateStack;

beforeAll(async () => {
  stack = await createPrivateStack();
}, 120_000);

afterAll(async () => {
  await stack?.dispose();
});

const SOURCE_DDL = `CREATE TABLE products (id bigint PRIMARY KEY, sku text NOT NULL, name text NOT NULL,
  price numeric(12,2) NOT NULL)`;
const TARGET_DDL = `CREATE TABLE products (id bigint PRIMARY KEY, sku text NOT NULL, title text NOT NULL,
  price_cents integer NOT NULL)`;

/** What a disruption gets: a way to hold the producer (nothing in flight) and let it go again. */
type Feeding = { pause(): Promise<void>; resume(): void };

type Outcome = { worker: SinkWorker; logs: string[] };

/**
 * One scenario: a source and a target DB on the private cluster, a topic on the private broker,
 * the sink in-process, the stream fed in order; `disrupt` runs once part of it is applied, then
 * everything is checked once the sink has caught up, and `check` adds the scenario's own checks.
 */
async function streamThrough(
  label: string,
  disrupt: (feeding: Feeding) => Promise<void>,
  check: (outcome: Outcome) => Promise<void>,
) {
  const id = randomBytes(3).toString('hex');
  const service = `rst${id}`;
  const sourceDb = `rsts_${id}`;
  const targetDb = `rstt_${id}`;
  const prefix = `rst${id}`;
  const topic = `${prefix}.public.products`;
  const group = `sink-restarts-${id}`;
  const dlqTopic = `ficus.dlq.${service}`;
  const { postgres, broker } = stack;
  await postgres.sql('postgres', `CREATE DATABASE ${sourceDb}`);
  await postgres.sql('postgres', `CREATE DATABASE ${targetDb}`);
  await postgres.sql(sourceDb, SOURCE_DDL);
  await postgres.sql(targetDb, TARGET_DDL);
  const plan = parsePlan(
    YAML.stringify({
      version: 1,
      legacy: { database: sourceDb, schema: 'public' },
      services: {
        [service]: {
          database: targetDb,
          owns: [
            {
              source: 'products',
              target: 'products',
              key: ['id'],
              columns: {
                id: 'id',
                sku: 'sku',
                name: 'title',
                price: { target: 'price_cents', type: 'cents' },
              },
            },
          ],
          routes: [],
        },
      },
    }),
    `sink-restarts-${id}.plan.yaml`,
  );

  const kafka = createKafkaClient({
    brokers: [broker.bootstrap],
    clientId: group,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  const stream = productStream({ events: EVENTS, keys: 1_500, seed: parseInt(id, 16) });

  const logs: string[] = [];
  const worker = await startSinkWorker({
    service,
    direction: 'forward',
    plan,
    brokers: [broker.bootstrap],
    legacyUrl: postgres.url(sourceDb),
    serviceUrl: postgres.url(targetDb),
    groupId: group,
    topicPrefix: prefix,
    dlqTopic,
    retry: FAST_RETRY,
    // small transactions, so that the stream is still being applied when the restart comes
    maxEventsPerTransaction: 100,
    lagIntervalMs: 500,
    sessionTimeoutMs: 6_000,
    logger: createLogger(`sync:${service}`, (line) => logs.push(line)),
  });
  let failure: unknown;
  worker.failed.catch((error) => (failure = error));

  // The feeder sends the stream in order, one chunk at a time (a key always lands on the same
  // partition), and can be held so that nothing is in flight while the broker is down.
  const producer: Producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  let produced = 0;
  let held: Promise<void> | null = null;
  let release = () => {};
  let idle: () => void = () => {};
  let sending = false;
  const feeding: Feeding = {
    pause: () =>
      new Promise<void>((resolve) => {
        held = new Promise<void>((r) => (release = r));
        if (!sending) resolve();
        else idle = resolve;
      }),
    resume: () => {
      held = null;
      release();
    },
  };
  // The second half waits until the disruption has begun: it lands mid-stream by construction.
  let disruptionBegun = () => {};
  const begun = new Promise<void>((resolve) => (disruptionBegun = resolve));
  const half = Math.floor(stream.messages.length / CHUNK / 2) * CHUNK;
  const feeder = (async () => {
    for (let i = 0; i < stream.messages.length; i += CHUNK) {
      if (i === half) await begun;
      if (held) await held;
      sending = true;
      await producer.send({ topic, acks: -1, messages: stream.messages.slice(i, i + CHUNK) });
      produced += Math.min(CHUNK, stream.messages.length - i);
      sending = false;
      idle();
      await sleep(100);
    }
  })();

  const appliedSoFar = async () =>
    Number(
      (
        await postgres.sql(
          targetDb,
          'SELECT coalesce(sum(greatest(next_offset, 0)), 0) AS n FROM ficus_sync_offsets WHERE consumer_group = $1',
          [group],
        )
      ).rows[0].n,
    );
  try {
    const appliedBeforeDisruption = await waitFor(
      `${label}: the sink to apply part of the stream`,
      async () => {
        const n = await appliedSoFar();
        return n >= 1_000 && n;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    const producedAtDisruption = produced;
    const disruption = disrupt(feeding);
    disruptionBegun();
    await disruption;
    await feeder;

    // caught up: every partition's stored position reached its high watermark
    const highs = await admin.fetchTopicOffsets(topic);
    await waitFor(
      `${label}: the sink to catch up after the restart`,
      async () => {
        if (failure) return true; // fails at once below, with the worker's error
        const { rows } = await postgres.sql(
          targetDb,
          'SELECT partition, next_offset FROM ficus_sync_offsets WHERE consumer_group = $1 AND topic = $2',
          [group, topic],
        );
        return highs.every((h) =>
          rows.some((r) => r.partition === h.partition && r.next_offset === h.high),
        );
      },
      { timeoutMs: 90_000, intervalMs: 200 },
    );

    // mid-stream by construction: part of the stream was applied, and part not even produced yet
    expect(appliedBeforeDisruption).toBeGreaterThan(0);
    expect(producedAtDisruption).toBeLessThan(stream.messages.length);
    expect(failure).toBeUndefined();

    // every event is in Kafka exactly once (the feeder never sent into the outage) ...
    expect(highs.reduce((n, h) => n + Number(h.high), 0)).toBe(stream.messages.length);
    // ... and the stored position of each partition is its high watermark, nothing else stored
    const stored = await postgres.sql(
      targetDb,
      'SELECT topic, partition, next_offset FROM ficus_sync_offsets WHERE consumer_group = $1 ORDER BY partition',
      [group],
    );
    expect(stored.rows).toEqual(
      [...highs]
        .sort((a, b) => a.partition - b.partition)
        .map((h) => ({ topic, partition: h.partition, next_offset: h.high })),
    );

    // the target equals the stream's final state, mapped here independently of the sink's SQL
    const actual = (
      await postgres.sql(
        targetDb,
        'SELECT id::int AS id, sku, title, price_cents FROM products ORDER BY id',
      )
    ).rows;
    const expected = stream.final.map((r: ProductRow) => ({
      id: r.id,
      sku: r.sku,
      title: r.name,
      price_cents: Math.round(Number(r.price) * 100),
    }));
    expect(expected.length).toBeGreaterThan(500);
    expect(rowDifferences(expected, actual)).toEqual({ missing: [], extra: [], different: [] });

    // ... and the source's final state through the plan's own mapping (plan/mapping.ts)
    await postgres.sql(
      sourceDb,
      `INSERT INTO products SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS r(id bigint, sku text, name text, price numeric(12,2))`,
      [JSON.stringify(stream.final)],
    );
    const compiled = compileTableMapping(
      plan.services[0].owns[0],
      await describeTable({ query: (t, p) => postgres.sql(sourceDb, t, p) }, 'public', 'products'),
    );
    const cols = compiled.targetColumns.map((c) => `"${c.name}"::text AS "${c.name}"`).join(', ');
    const mapped = await postgres.sql(
      sourceDb,
      `SELECT ${cols} FROM (${renderMappedSelect(compiled)}) m ORDER BY id`,
    );
    const target = await postgres.sql(targetDb, `SELECT ${cols} FROM products ORDER BY id`);
    expect(target.rows).toEqual(mapped.rows);

    // no dead letters, neither counted nor on the topic
    expect(worker.stats().deadLetters).toBe(0);
    const dlq = await admin.fetchTopicOffsets(dlqTopic);
    expect(dlq.every((p) => p.high === '0')).toBe(true);
    // each change event applied at most once (a replayed batch counts as duplicates, not applied)
    const changes = stream.counts.c + stream.counts.u + stream.counts.d;
    expect(worker.stats().applied).toBeLessThanOrEqual(changes);
    expect(worker.stats().applied + worker.stats().duplicates).toBeGreaterThanOrEqual(changes);

    await check({ worker, logs });
  } finally {
    const { lag: _lag, ...totals } = worker.stats();
    logs.push(`stats ${JSON.stringify({ ...totals, retries: await retriesCounted(worker) })}`);
    fs.writeFileSync(
      path.join(os.tmpdir(), `ficus-sink-restarts-${label}-${id}.log`),
      logs.join('\n'),
    );
    disruptionBegun();
    feeding.resume();
    await feeder.catch(() => undefined);
    await worker.stop();
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, dlqTopic] }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    for (const db of [sourceDb, targetDb])
      await postgres
        .sql('postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
        .catch(() => undefined);
  }
}

type Row = Record<string, unknown> & { id: number };

/** Keys missing in / extra in the target and the first rows that differ, for a readable failure. */
function rowDifferences(expected: Row[], actual: Row[]) {
  const byId = new Map(actual.map((r) => [r.id, r]));
  const wanted = new Set(expected.map((r) => r.id));
  return {
    missing: expected
      .filter((r) => !byId.has(r.id))
      .map((r) => r.id)
      .slice(0, 10),
    extra: actual
      .filter((r) => !wanted.has(r.id))
      .map((r) => r.id)
      .slice(0, 10),
    different: expected
      .filter((r) => byId.has(r.id) && JSON.stringify(byId.get(r.id)) !== JSON.stringify(r))
      .slice(0, 5)
      .map((r) => ({ expected: r, actual: byId.get(r.id) })),
  };
}

const retriesCounted = async (worker: SinkWorker) =>
  Number(
    (await worker.metrics.registry.getSingleMetricAsString('ficus_sync_retries_total')).match(
      /ficus_sync_retries_total(?:\{[^}]*\})? (\d+)/,
    )?.[1] ?? 0,
  );

describe.each(['SIGTERM', 'SIGKILL'] as const)(
  'Kafka broker stopped with %s mid-stream',
  (signal) => {
    test('the sink carries on once the broker is back: nothing lost, nothing twice', async () => {
      let downFrom = 0;
      await streamThrough(
        `broker-${signal}`,
        async (feeding) => {
          await feeding.pause();
          downFrom = Date.now();
          await stack.broker.stop(signal);
          await sleep(2_000); // the sink runs into the closed port for a while
          await stack.broker.start();
          feeding.resume();
        },
        async ({ logs }) => {
          // the sink's Kafka client really lost the broker (and got past it)
          const after = logs.filter(
            (l) => l.includes(':kafkajs]') && Date.parse(l.slice(0, 24)) >= downFrom,
          );
          expect(after.length).toBeGreaterThan(0);
        },
      );
    });
  },
);

describe.each(['fast', 'immediate'] as const)(
  'target PostgreSQL restarted (-m %s) mid-stream',
  (mode) => {
    test('the sink retries with backoff until the database is back: nothing lost, nothing twice', async () => {
      await streamThrough(
        `postgres-${mode}`,
        // the feeder goes on: events keep arriving while the database is down
        (_feeding) => stack.postgres.restart(mode, 2_000),
        async ({ worker, logs }) => {
          expect(await retriesCounted(worker)).toBeGreaterThan(0);
          expect(logs.some((l) => l.includes('transient failure, retrying the batch'))).toBe(true);
        },
      );
    });
  },
);
