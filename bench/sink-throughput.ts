/**
 * Apply throughput, side by side on the same topic of Debezium change events (a snapshot of
 * BENCH_EVENTS rows of a products table, default 200,000):
 *   1. the ficus sink (cdc/sink), draining the topic into the service DB;
 *   2. Debezium's JDBC sink connector, the reference, at its best configuration (below), into an
 *      empty copy of the table;
 *   3. PostgreSQL COPY of the same rows (psql \copy out of the legacy DB into a third copy): the limit.
 *
 * Fair to the reference. The JDBC sink runs as a Debezium expert would tune it for a bulk load:
 *   - insert.mode=upsert, primary.key.mode=record_key, delete.enabled: the same semantics as ficus
 *     (idempotent, deletes applied), so neither does less work;
 *   - tasks.max=3: one task per partition, as ficus applies its 3 partitions at once;
 *   - use.reduction.buffer=true: collapses the changes of one key within a batch, as ficus does
 *     (collapse.ts);
 *   - batch.size=BENCH_JDBC_BATCH (default 4000): rows per JDBC batch, ≥2000 as an expert's tuning
 *     found (issue 14); it only takes effect with the two consumer settings below;
 *   - consumer.override.max.partition.fetch.bytes=4194304 (BENCH_JDBC_FETCH_BYTES): under the
 *     default 1 MiB each fetch holds ~250 events of ~3.9 KB, so whatever batch.size said, each
 *     write got about that many rows;
 *   - consumer.override.max.poll.records=batch.size: one poll can fill one batch (default 500);
 *   - reWriteBatchedInserts=true on the JDBC URL: pgjdbc sends a batch as multi-row INSERTs
 *     instead of one statement per row;
 *   - stringtype=unspecified on the URL: ficus's source sends numerics as text; the server casts;
 *   - schema.evolution=none: the table exists; no DDL checks against the catalog;
 *   - auto.offset.reset=earliest: each drain reads the whole topic.
 * Debezium's JDBC sink docs (3.x) list nothing else that changes throughput here: connection.pool.*
 * only matters with more tasks than connections, quote.identifiers/naming strategies are cosmetic,
 * flush.max.retries only acts on failure, and truncate/delete handling does not run for reads.
 *
 * Warm, then rounds. A Connect worker that just started runs a sink at about half its speed, and
 * one drain does not fully warm it, so each sink drains the topic again and again (each drain a
 * fresh consumer group, the table truncated) until two consecutive drains are within
 * BENCH_STABLE (5%) of each other, at most BENCH_WARMUP_MAX (6) times. Then BENCH_ROUNDS (3)
 * rounds, each one drain of ficus, one of the JDBC sink and one COPY, back to back, for every
 * source setting in turn (so a busy moment of the machine weighs on all of them); printed:
 * median and spread (min–max) of each, and the ratios ficus/JDBC and ficus/COPY per round and of
 * the medians. A drain's rate is its steady rate: the rows that arrived after the first one was
 * seen in the table over the time until the last one was, so that neither side's start-up (a
 * Connect task starting, a consumer joining its group) counts; start-up is printed beside it. A
 * sink is done when the last row of every partition is in its table (both apply a partition in
 * offset order), read from the tables, not from offsets each commits on its own schedule. CPU per
 * event: the ficus sink's process, and the Connect worker's JVM (/proc, the stack's connect.pid).
 *
 * Source settings (BENCH_SOURCE, comma-separated, default all three), each its own connector and topic:
 *   - ficus: ficus's VALUE_HANDLING (cdc/connect/source-config.ts: numerics as text, times in µs,
 *     intervals as ISO text), JSON with the schema in every event (what ficus's connectors write);
 *   - debezium: Debezium's defaults (decimal.handling.mode=precise: numerics as base64 Decimal
 *     bytes; time.precision.mode=adaptive; interval.handling.mode=numeric), schema in every event;
 *   - schemaless: ficus's VALUE_HANDLING, JSON converter with schemas.enable=false: what ficus would
 *     gain without the ~3.2 KB schema in each event (decision 0009). The JDBC sink cannot read such a
 *     topic (it needs the schema), so its row compares ficus here with the JDBC sink on the `ficus`
 *     setting's topic in the same round, when that setting ran.
 *
 *   node bench/sink-throughput.ts            (with the embedded stack up)
 *   BENCH_ONLY_FICUS=1 stops after ficus's drains (for profiling it: --cpu-prof).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../lib/wait.ts';
import { createSinkFixture, sql, urls } from '../test-support/sink-e2e-harness.ts';
import { DEFAULT_RETRY } from '../lib/retry.ts';
import { startSinkWorker } from '../cdc/sink/sink-worker.ts';
import { kafkaClusterView } from '../cdc/kafka/kafka-cluster-view.ts';
import { createLogger } from '../lib/logger.ts';
import { createPartitionFetcher, type FetchedBatch } from '../cdc/kafka/partition-fetcher.ts';
import { createKafkaClient } from '../cdc/kafka/kafka-clients.ts';
import type { Admin } from 'kafkajs';
import { tunedJdbcSinkConfig } from './tuned-jdbc-sink.ts';
import { readStat, TICK_MS } from './proc-cpu.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_MAX = Number(process.env.BENCH_WARMUP_MAX ?? 6);
const STABLE = Number(process.env.BENCH_STABLE ?? 0.05);
const ONLY_FICUS = !!process.env.BENCH_ONLY_FICUS;
const CONCURRENCY = 3;
const say = (m: string) => process.stdout.write(`${m}\n`);

/** How the source connector writes its events; `schemas: false` is the schemaless JSON converter. */
type SourceSetting = { name: string; connector: Record<string, string>; schemas: boolean };
const SOURCE_SETTINGS: SourceSetting[] = [
  // the harness's connector already asks for VALUE_HANDLING, as ficus's own connectors do
  { name: 'ficus', connector: {}, schemas: true },
  {
    name: 'debezium',
    connector: {
      'decimal.handling.mode': 'precise',
      'time.precision.mode': 'adaptive',
      'interval.handling.mode': 'numeric',
    },
    schemas: true,
  },
  {
    name: 'schemaless',
    connector: {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'false',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
    },
    schemas: false,
  },
];
const chosen = (process.env.BENCH_SOURCE ?? 'ficus,debezium,schemaless').split(',');
const settings = SOURCE_SETTINGS.filter((s) => chosen.includes(s.name));
if (settings.length !== chosen.length)
  throw new Error(`BENCH_SOURCE: one of ${SOURCE_SETTINGS.map((s) => s.name).join(', ')}`);

/** One drain: its steady rate, its start-up, and CPU per event of the process that applied it. */
type Drain = { rate: number; startMs: number; cpu: CpuPerEvent; rows: number };
/** CPU µs per event over a drain (null: not readable): the sink's process, the service DB, the broker. */
type CpuPerEvent = { sink: number | null; db: number | null; broker: number | null };
const METERS = ['sink', 'db', 'broker'] as const;
type Results = { ficus: Drain[]; jdbc: Drain[]; copy: number[]; eventBytes: number };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const cpuText = (c: CpuPerEvent) =>
  METERS.map((m) => `${m} ${c[m] === null ? '?' : c[m]!.toFixed(1)}`).join(', ');
const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
const spread = (xs: number[]) => `${k(Math.min(...xs))}–${k(Math.max(...xs))}`;

const HOME = process.env.FICUS_HOME ?? path.join(process.cwd(), '.ficus');
/** utime, stime, cutime, cstime (ms) and the parent of a process, from /proc; throws when gone. */
function procStat(pid: string) {
  const stat = readStat(`/proc/${pid}/stat`);
  if (!stat) throw new Error(`process ${pid} has ended`);
  const f = stat.fields;
  const ms = (i: number) => Number(f[i]) * TICK_MS;
  return { ppid: f[1], own: ms(11) + ms(12), reaped: ms(13) + ms(14) };
}

/**
 * CPU time (ms) used so far by a process of the stack (its pid in `file`), with `tree`, also by
 * its children, live or reaped (a PostgreSQL server: the postmaster and every backend); null when
 * it cannot be read.
 */
function cpuMsOf(file: string, tree = false): number | null {
  try {
    const pid = readFileSync(path.join(HOME, file), 'utf8').split('\n')[0].trim();
    const root = procStat(pid);
    if (!tree) return root.own;
    let total = root.own + root.reaped;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const child = procStat(entry);
        if (child.ppid === pid) total += child.own;
      } catch {
        // gone meanwhile: its time is in the postmaster's reaped time now
      }
    }
    return total;
  } catch {
    return null;
  }
}
const connectCpuMs = () => cpuMsOf('run/connect.pid');
const brokerCpuMs = () => cpuMsOf('run/kafka.pid');
const serviceDbCpuMs = () => cpuMsOf('pg/services-postgres/postmaster.pid', true);

const results = new Map<string, Results>();
const prepared: Prepared[] = [];
try {
  for (const setting of settings) prepared.push(await prepare(setting));
  for (const p of prepared) await p.warmUp();
  // the rounds go through every setting in turn, so that what else the machine does at a time
  // weighs on all of them alike, and each round's ratios compare drains run side by side
  for (let round = 1; round <= ROUNDS; round++) for (const p of prepared) await p.round(round);
  if (!ONLY_FICUS) summarise();
} finally {
  for (const p of prepared) await p.dispose();
}

type Prepared = {
  warmUp(): Promise<void>;
  round(n: number): Promise<void>;
  dispose(): Promise<void>;
};

/** A setting's own connector, topic, tables and drains; its results go into `results`. */
async function prepare(setting: SourceSetting): Promise<Prepared> {
  const fx = await createSinkFixture({ mapping: 'identity' });
  // an admin per setting: kafkajs keeps asking for the metadata of every topic it has seen, and
  // a disposed setting's topics are gone
  const admin = createKafkaClient({
    brokers: [urls.kafkaBootstrap],
    clientId: 'bench-sink',
  }).admin();
  await admin.connect();
  const ficusGroups: string[] = [];
  const jdbcConnectors: string[] = [];
  try {
    for (const copy of ['products_jdbc', 'products_copy'])
      await sql(fx.serviceUrl, `CREATE TABLE ${copy} (LIKE products INCLUDING ALL)`);
    say(`\n[${setting.name}] writing ${EVENTS} rows into the legacy table, snapshotting them…`);
    await sql(
      fx.legacyUrl,
      `INSERT INTO products (id, sku, name, description, price)
      SELECT g, 'SKU-' || g, 'Product ' || g, repeat('lorem ipsum ', 4) || g, (g % 100000) / 100.0 FROM generate_series(1, ${EVENTS}) g`,
    );
    const topic = `${fx.topicPrefix('forward')}.public.products`;
    await fx.startConnector('forward', setting.connector);
    const ends = await waitFor(
      'the snapshot in Kafka',
      async () => {
        const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
        const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
        return total >= EVENTS ? offsets : undefined;
      },
      { timeoutMs: 600_000, intervalMs: 500 },
    );
    const last = await lastOfEachPartition(admin, topic, ends);
    const lastIds = last.map((l) => l.id);
    const eventBytes = Math.round(median(last.map((l) => l.bytes)));
    say(
      `[${setting.name}] ${EVENTS} events in ${ends.length} partitions, ~${eventBytes} bytes each`,
    );

    /**
     * Times one drain into `table`: start-up until its first row is there, then the steady
     * rate until the last row of every partition is. `failure` says why the sink broke, if it did.
     */
    const timeDrain = async (
      table: string,
      what: string,
      cpuNow: () => number | null,
      start: () => Promise<() => Promise<void>>,
      failure?: () => Promise<string | undefined>,
    ): Promise<Drain> => {
      await sql(fx.serviceUrl, `TRUNCATE ${table}`);
      const meters = { sink: cpuNow, db: serviceDbCpuMs, broker: brokerCpuMs };
      const cpuBefore = METERS.map((m) => meters[m]());
      const started = performance.now();
      const stop = await start();
      const first = await waitFor(
        `${what}: its first row`,
        async () => {
          const problem = await failure?.();
          if (problem) throw new Error(problem);
          const { rows } = await sql(fx.serviceUrl, `SELECT count(*)::int AS n FROM ${table}`);
          return rows[0].n > 0 ? { at: performance.now(), rows: rows[0].n as number } : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 10 },
      );
      await waitFor(
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
        { timeoutMs: 900_000, intervalMs: 20 },
      );
      const ended = performance.now();
      const cpuAfter = METERS.map((m) => meters[m]());
      await stop();
      const rows = Number(
        (await sql(fx.serviceUrl, `SELECT count(*) FROM ${table}`)).rows[0].count,
      );
      if (rows !== EVENTS) throw new Error(`${what}: ${rows} rows in ${table}, not ${EVENTS}`);
      const perEvent = (i: number) => {
        const [before, after] = [cpuBefore[i], cpuAfter[i]];
        return before === null || after === null ? null : ((after - before) * 1000) / EVENTS;
      };
      const cpu = { sink: perEvent(0), db: perEvent(1), broker: perEvent(2) };
      // a drain too short to see it under way (a small BENCH_EVENTS) is timed whole
      const steady = first.rows < EVENTS * 0.9;
      return {
        rate: steady
          ? ((EVENTS - first.rows) * 1000) / (ended - first.at)
          : (EVENTS * 1000) / (ended - started),
        startMs: first.at - started,
        cpu,
        rows,
      };
    };

    let drains = 0;
    const ficusDrain = () => {
      const group = `${fx.group('forward')}-${++drains}`;
      ficusGroups.push(group);
      const processCpuMs = () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };
      return timeDrain('products', 'ficus to drain the topic', processCpuMs, async () => {
        const worker = await startSinkWorker(
          fx.workerOptions('forward', {
            retry: DEFAULT_RETRY,
            concurrency: CONCURRENCY,
            groupId: group,
          }),
        );
        return () => worker.stop();
      });
    };

    const jdbcDrain = () => {
      const name = `bench-jdbc-${fx.id}-${++drains}`;
      jdbcConnectors.push(name);
      const database = fx.serviceUrl.split('/').pop()!;
      const failed = async () => {
        const response = await fetch(`${urls.connect}/connectors/${name}/status`);
        const status = (await response.json()) as { tasks?: { state: string; trace?: string }[] };
        const task = status.tasks?.find((t) => t.state === 'FAILED');
        if (!task) return undefined;
        const cause = task.trace?.split('\n').filter((l) => l.includes('Caused by'));
        return `the JDBC sink task failed: ${cause?.slice(-1)[0] ?? 'FAILED'}`;
      };
      return timeDrain(
        'products_jdbc',
        'the JDBC sink to drain the topic',
        connectCpuMs,
        async () => {
          const put = await fetch(`${urls.connect}/connectors/${name}/config`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(
              tunedJdbcSinkConfig({ topic, database, table: 'products_jdbc', tasks: CONCURRENCY }),
            ),
          });
          if (put.status >= 300) throw new Error(`JDBC sink: ${put.status} ${await put.text()}`);
          // deleted before the next drain, so that two connectors never share the machine
          return async () => {
            await fetch(`${urls.connect}/connectors/${name}`, { method: 'DELETE' });
          };
        },
        failed,
      );
    };

    /** COPY out of the legacy table into an empty copy, psql to psql: rows/s, start-up included. */
    const copyDrain = async () => {
      await sql(fx.serviceUrl, 'TRUNCATE products_copy');
      const legacyDb = fx.legacyUrl.split('/').pop();
      const serviceDb = fx.serviceUrl.split('/').pop();
      const started = performance.now();
      execFileSync('bash', [
        '-c',
        `psql -X -q "${urls.legacyAdmin(legacyDb)}" -c "\\copy products TO STDOUT" | psql -X -q "${urls.servicesAdmin(serviceDb)}" -c "\\copy products_copy FROM STDIN"`,
      ]);
      const rate = (EVENTS * 1000) / (performance.now() - started);
      const { rows } = await sql(fx.serviceUrl, 'SELECT count(*)::int AS n FROM products_copy');
      if (rows[0].n !== EVENTS) throw new Error(`COPY: ${rows[0].n} rows, not ${EVENTS}`);
      return rate;
    };

    const show = (who: string, label: string, d: Drain) =>
      say(
        `[${setting.name}] ${who.padEnd(13)} ${label.padEnd(9)} ${d.rate.toFixed(0).padStart(7)} events/s  (start-up ${Math.round(d.startMs)} ms; CPU µs/event ${cpuText(d.cpu)})`,
      );
    /** Drains until two in a row are within STABLE of each other (at most WARMUP_MAX). */
    const warm = async (who: string, drain: () => Promise<Drain>) => {
      let previous: number | undefined;
      for (let i = 1; i <= WARMUP_MAX; i++) {
        const d = await drain();
        show(who, `warm-up ${i}`, d);
        if (previous !== undefined && Math.abs(d.rate - previous) <= STABLE * previous) return;
        previous = d.rate;
      }
      say(`[${setting.name}] ${who}: not stable after ${WARMUP_MAX} drains; measuring anyway`);
    };

    const jdbcRuns = setting.schemas && !ONLY_FICUS;
    const out: Results = { ficus: [], jdbc: [], copy: [], eventBytes };
    results.set(setting.name, out);
    const dispose = async () => {
      await admin.deleteGroups(ficusGroups).catch(() => undefined);
      for (const name of jdbcConnectors) {
        await fetch(`${urls.connect}/connectors/${name}`, { method: 'DELETE' }).catch(
          () => undefined,
        );
        await admin.deleteGroups([`connect-${name}`]).catch(() => undefined);
      }
      await admin.disconnect();
      await fx.dispose();
    };
    return {
      async warmUp() {
        await warm('ficus', ficusDrain);
        if (jdbcRuns) await warm('Debezium JDBC', jdbcDrain);
      },
      async round(round) {
        out.ficus.push(await ficusDrain());
        show('ficus', `round ${round}`, out.ficus.at(-1)!);
        if (ONLY_FICUS) return;
        if (jdbcRuns) {
          out.jdbc.push(await jdbcDrain());
          show('Debezium JDBC', `round ${round}`, out.jdbc.at(-1)!);
        }
        out.copy.push(await copyDrain());
        say(
          `[${setting.name}] ${'COPY'.padEnd(13)} round ${round}   ${out.copy.at(-1)!.toFixed(0).padStart(7)} rows/s`,
        );
      },
      dispose,
    };
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    await fx.dispose().catch(() => undefined);
    throw error;
  }
}

/** Median over drains of the CPU one event cost the sink, the service DB and the broker together. */
function pipelineCpu(drains: Drain[]): number | null {
  const sums = drains
    .map((d) =>
      METERS.some((m) => d.cpu[m] === null) ? null : d.cpu.sink! + d.cpu.db! + d.cpu.broker!,
    )
    .filter((c): c is number => c !== null);
  return sums.length ? median(sums) : null;
}

function summarise() {
  say('');
  say(
    `apply throughput, ${EVENTS} Debezium snapshot events, 3 partitions, ${ROUNDS} rounds after warm-up; median (min–max) events/s:`,
  );
  const reference = results.get('ficus')?.jdbc;
  for (const [name, r] of results) {
    const rates = (ds: Drain[]) => ds.map((d) => d.rate);
    const cpu = (ds: Drain[]) => {
      const of = (m: (typeof METERS)[number]) => {
        const us = ds.map((d) => d.cpu[m]).filter((c): c is number => c !== null);
        return us.length ? median(us) : null;
      };
      return `; CPU µs/event ${cpuText({ sink: of('sink'), db: of('db'), broker: of('broker') })}`;
    };
    // the JDBC sink cannot read a schemaless topic: compared with it on the `ficus` setting's topic
    const jdbc = r.jdbc.length ? r.jdbc : (reference ?? []);
    const jdbcNote = r.jdbc.length ? '' : ' (on the ficus setting, schemas in events)';
    say(`  source ${name} (~${r.eventBytes} bytes/event):`);
    say(
      `    ficus sink     ${k(median(rates(r.ficus))).padStart(7)} (${spread(rates(r.ficus))})${cpu(r.ficus)}`,
    );
    if (jdbc.length)
      say(
        `    Debezium JDBC  ${k(median(rates(jdbc))).padStart(7)} (${spread(rates(jdbc))})${cpu(jdbc)}${jdbcNote}`,
      );
    say(`    COPY           ${k(median(r.copy)).padStart(7)} (${spread(r.copy)})`);
    const perRound = (of: number[], to: number[]) =>
      of.map((x, i) => (to[i] === undefined ? '-' : `${(x / to[i]).toFixed(2)}x`)).join(' ');
    if (jdbc.length)
      say(
        `    ficus / JDBC   ${(median(rates(r.ficus)) / median(rates(jdbc))).toFixed(2)}x of the medians; per round ${perRound(rates(r.ficus), rates(jdbc))}`,
      );
    say(
      `    ficus / COPY   ${(median(rates(r.ficus)) / median(r.copy)).toFixed(2)}x of the medians; per round ${perRound(rates(r.ficus), r.copy)}`,
    );
    // less at the mercy of what else the machine runs than a rate: the CPU each event cost in all
    const [ficusCpu, jdbcCpu] = [pipelineCpu(r.ficus), pipelineCpu(jdbc)];
    if (ficusCpu !== null && jdbcCpu !== null)
      say(
        `    CPU per event, sink + service DB + broker: ficus ${ficusCpu.toFixed(1)} µs, JDBC ${jdbcCpu.toFixed(1)} µs: JDBC / ficus = ${(jdbcCpu / ficusCpu).toFixed(2)}x`,
      );
  }
}

/** The row id and size of the last message of each partition (read with the sink's own fetcher). */
async function lastOfEachPartition(
  kafkaAdmin: Admin,
  topic: string,
  ends: { partition: number; high: string }[],
): Promise<{ id: string; bytes: number }[]> {
  const last = new Map<number, { id: string; bytes: number }>();
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const fetcher = createPartitionFetcher({
    clientId: 'bench-last-keys',
    cluster: kafkaClusterView(kafkaAdmin),
    log: createLogger('bench', () => undefined),
    onFatal: (error) => {
      throw error;
    },
    onBatch: async (batch: FetchedBatch) => {
      const message = batch.messages[batch.messages.length - 1];
      const key = JSON.parse(String(message.key)) as { payload?: { id: unknown }; id?: unknown };
      // with schemas the key is {schema, payload}; without, the payload alone
      const id = String(key.payload?.id ?? key.id);
      last.set(batch.partition, { id, bytes: message.value?.length ?? 0 });
      if (last.size === ends.length) done();
    },
  });
  fetcher.assign(ends.map((e) => ({ topic, partition: e.partition, offset: BigInt(e.high) - 1n })));
  await all;
  await fetcher.stop();
  return [...last.values()];
}
