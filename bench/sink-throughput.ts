/**
 * Apply throughput, side by side on the same topic of Debezium change events (a snapshot of
 * BENCH_EVENTS rows, default 200,000):
 *   1. the ficus sink (cdc/sink), draining the topic into the service DB;
 *   2. Debezium's JDBC sink connector (upsert mode, batch.size BENCH_JDBC_BATCH, default 5000, the
 *      same number of tasks as ficus runs partitions at once), into an empty copy of the table;
 *   3. PostgreSQL COPY of the same rows (psql \copy out of the legacy DB into a third copy): the limit.
 * Each must end with every row in its table. Prints events/s and the ratios. A sink is done when
 * the last row of every partition is in its table (both apply a partition in offset order): the
 * same test for both, read from the tables, not from offsets that each commits on its own schedule.
 * Both sinks drain the topic twice, and the second drain is the one measured: the first warms the
 * JIT of each (a JDBC sink in a Connect worker that just started runs at about half its speed, so
 * a cold comparison would flatter ficus). BENCH_COLD=1 measures the first drains instead.
 *
 *   node bench/sink-throughput.ts            (with the embedded stack up)
 */
import { execFileSync } from 'node:child_process';
import { waitFor } from '../lib/wait.ts';
import { loadStackConfig } from '../stack/stack-config.ts';
import { createSinkFixture, sql, urls } from '../test-support/sink-e2e-harness.ts';
import { DEFAULT_RETRY } from '../lib/retry.ts';
import { startSinkWorker } from '../cdc/sink/sink-worker.ts';
import { kafkaClusterView } from '../cdc/kafka/kafka-cluster-view.ts';
import { createLogger } from '../lib/logger.ts';
import { createPartitionFetcher, type FetchedBatch } from '../cdc/kafka/partition-fetcher.ts';
import { createKafkaClient } from '../cdc/kafka/kafka-clients.ts';

/** BENCH_ONLY_FICUS=1 stops after the ficus run (for profiling it). */
class OnlyFicus extends Error {}

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const JDBC_BATCH = Number(process.env.BENCH_JDBC_BATCH ?? 5_000);
const CONCURRENCY = 3;
const config = loadStackConfig();
const say = (m: string) => process.stdout.write(`${m}\n`);

const fx = await createSinkFixture({ mapping: 'identity' });
const kafka = createKafkaClient({
  brokers: [urls.kafkaBootstrap],
  clientId: `bench-${fx.id}`,
});
const admin = kafka.admin();
await admin.connect();
const jdbcName = `bench-jdbc-${fx.id}`;
const jdbcConnectors: string[] = [];
const ficusGroups: string[] = [];
try {
  for (const copy of ['products_jdbc', 'products_copy'])
    await sql(fx.serviceUrl, `CREATE TABLE ${copy} (LIKE products INCLUDING ALL)`);
  say(`writing ${EVENTS} rows into the legacy table, then snapshotting them with Debezium…`);
  await sql(
    fx.legacyUrl,
    `INSERT INTO products (id, sku, name, description, price)
    SELECT g, 'SKU-' || g, 'Product ' || g, repeat('lorem ipsum ', 4) || g, (g % 100000) / 100.0 FROM generate_series(1, ${EVENTS}) g`,
  );
  const topic = `${fx.topicPrefix('forward')}.public.products`;
  await fx.startConnector('forward');
  const ends = await waitFor(
    'the snapshot in Kafka',
    async () => {
      const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
      const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
      return total >= EVENTS ? offsets : undefined;
    },
    { timeoutMs: 600_000, intervalMs: 500 },
  );
  const lastIds = await lastKeyOfEachPartition(topic, ends);
  /** Waits until the last row of every partition is in `table`. */
  const drainedInto = (table: string, what: string, failure?: () => Promise<string | undefined>) =>
    waitFor(
      what,
      async () => {
        const problem = await failure?.();
        if (problem) throw new Error(problem);
        const { rows } = await sql(
          fx.serviceUrl,
          `SELECT count(*)::int AS n FROM ${table} WHERE id = ANY($1::bigint[])`,
          [lastIds],
        );
        return rows[0].n === lastIds.length;
      },
      { timeoutMs: 900_000, intervalMs: 50 },
    );

  const passes = process.env.BENCH_COLD ? ['measured'] : ['warm-up', 'measured'];

  // 1. ficus
  const ficusDrain = async (pass: string) => {
    await sql(fx.serviceUrl, 'TRUNCATE products');
    const started = Date.now();
    const cpuBefore = process.cpuUsage();
    const group = `${fx.group('forward')}-${pass}`;
    ficusGroups.push(group);
    const worker = await startSinkWorker(
      fx.workerOptions('forward', {
        retry: DEFAULT_RETRY,
        concurrency: CONCURRENCY,
        groupId: group,
      }),
    );
    await drainedInto('products', 'ficus to drain the topic');
    const ms = Date.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    await worker.stop();
    const rows = Number((await sql(fx.serviceUrl, 'SELECT count(*) FROM products')).rows[0].count);
    say(
      `ficus (${pass}): ${EVENTS} events in ${ms} ms = ${((EVENTS * 1000) / ms).toFixed(0)} events/s (sink process CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms)`,
    );
    return { ms, rows };
  };
  let ficus = { ms: 0, rows: 0 };
  for (const pass of passes) ficus = await ficusDrain(pass);
  const { ms: ficusMs, rows: ficusRows } = ficus;
  if (process.env.BENCH_ONLY_FICUS) throw new OnlyFicus();

  // 2. Debezium JDBC sink
  const jdbcDrain = async (pass: string) => {
    await sql(fx.serviceUrl, 'TRUNCATE products_jdbc');
    const name = `${jdbcName}-${pass}`;
    jdbcConnectors.push(name);
    const started = Date.now();
    const put = await fetch(`${urls.connect}/connectors/${name}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
        'tasks.max': String(CONCURRENCY),
        topics: topic,
        // Debezium sends numeric as strings (decimal.handling.mode=string); let the server cast them
        'connection.url': `jdbc:postgresql://127.0.0.1:${config.ports.servicesPostgres}/${fx.serviceUrl.split('/').pop()}?stringtype=unspecified`,
        'connection.username': config.adminUser,
        'connection.password': urls.adminPassword,
        'insert.mode': 'upsert',
        'delete.enabled': 'true',
        'primary.key.mode': 'record_key',
        'schema.evolution': 'none',
        'collection.name.format': 'products_jdbc',
        'batch.size': String(JDBC_BATCH),
        'use.reduction.buffer': 'true',
        'consumer.override.max.poll.records': String(JDBC_BATCH),
        'consumer.override.auto.offset.reset': 'earliest',
      }),
    });
    if (put.status >= 300) throw new Error(`JDBC sink: ${put.status} ${await put.text()}`);
    await drainedInto('products_jdbc', 'the JDBC sink to drain the topic', async () => {
      const status = (await (await fetch(`${urls.connect}/connectors/${name}/status`)).json()) as {
        tasks?: { state: string; trace?: string }[];
      };
      const failed = status.tasks?.find((t) => t.state === 'FAILED');
      if (!failed) return undefined;
      const cause = failed.trace?.split('\n').filter((l) => l.includes('Caused by'));
      return `the JDBC sink task failed: ${cause?.slice(-1)[0] ?? 'FAILED'}`;
    });
    const ms = Date.now() - started;
    // stopped before the next pass, so that two connectors never share the machine
    await fetch(`${urls.connect}/connectors/${name}`, { method: 'DELETE' });
    const rows = Number(
      (await sql(fx.serviceUrl, 'SELECT count(*) FROM products_jdbc')).rows[0].count,
    );
    say(
      `Debezium JDBC (${pass}): ${EVENTS} events in ${ms} ms = ${((EVENTS * 1000) / ms).toFixed(0)} events/s`,
    );
    return { ms, rows };
  };
  let jdbc = { ms: 0, rows: 0 };
  for (const pass of passes) jdbc = await jdbcDrain(pass);
  const { ms: jdbcMs, rows: jdbcRows } = jdbc;

  // 3. COPY
  const started = Date.now();
  const legacyDb = fx.legacyUrl.split('/').pop();
  const serviceDb = fx.serviceUrl.split('/').pop();
  execFileSync('bash', [
    '-c',
    `psql -X -q "${urls.legacyAdmin(legacyDb)}" -c "\\copy products TO STDOUT" | psql -X -q "${urls.servicesAdmin(serviceDb)}" -c "\\copy products_copy FROM STDIN"`,
  ]);
  const copyMs = Date.now() - started;
  const copyRows = Number(
    (await sql(fx.serviceUrl, 'SELECT count(*) FROM products_copy')).rows[0].count,
  );

  const rate = (ms: number) => (EVENTS * 1000) / ms;
  say('');
  say(
    `apply throughput, ${EVENTS} Debezium events (snapshot reads) from one topic (${ends.length} partitions), ${passes.length > 1 ? 'second drain of each (warm)' : 'first drain of each (cold)'}:`,
  );
  say(
    `  ficus sink        ${rate(ficusMs).toFixed(0).padStart(8)} events/s  (${ficusMs} ms, ${ficusRows} rows)`,
  );
  say(
    `  Debezium JDBC     ${rate(jdbcMs).toFixed(0).padStart(8)} events/s  (${jdbcMs} ms, ${jdbcRows} rows, upsert, batch.size ${JDBC_BATCH}, ${CONCURRENCY} tasks)`,
  );
  say(
    `  COPY (the limit)  ${rate(copyMs).toFixed(0).padStart(8)} rows/s    (${copyMs} ms, ${copyRows} rows)`,
  );
  say(
    `  ficus / JDBC sink = ${(jdbcMs / ficusMs).toFixed(2)}x   ficus / COPY = ${(copyMs / ficusMs).toFixed(2)}x`,
  );
  if (ficusRows !== EVENTS || jdbcRows !== EVENTS || copyRows !== EVENTS)
    throw new Error('a peer did not end with every row');
} catch (error) {
  if (!(error instanceof OnlyFicus)) throw error;
} finally {
  await admin.deleteGroups(ficusGroups).catch(() => undefined);
  for (const name of jdbcConnectors) {
    await fetch(`${urls.connect}/connectors/${name}`, { method: 'DELETE' }).catch(() => undefined);
    await admin.deleteGroups([`connect-${name}`]).catch(() => undefined);
  }
  await admin.disconnect();
  await fx.dispose();
}

/** The row id in the last message of each partition (read with the sink's own fetcher). */
async function lastKeyOfEachPartition(
  topic: string,
  ends: { partition: number; high: string }[],
): Promise<string[]> {
  const last = new Map<number, string>();
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const fetcher = createPartitionFetcher({
    clientId: 'bench-last-keys',
    cluster: kafkaClusterView(admin),
    log: createLogger('bench', () => undefined),
    onFatal: (error) => {
      throw error;
    },
    onBatch: async (batch: FetchedBatch) => {
      const key = batch.messages[batch.messages.length - 1].key;
      last.set(batch.partition, String(JSON.parse(String(key)).payload.id));
      if (last.size === ends.length) done();
    },
  });
  fetcher.assign(ends.map((e) => ({ topic, partition: e.partition, offset: BigInt(e.high) - 1n })));
  await all;
  await fetcher.stop();
  return [...last.values()];
}
