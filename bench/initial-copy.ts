/**
 * The initial copy of a big legacy table into a service's empty table (issue 14), by four methods
 * side by side in one run, on a legacy table of the shop's `order_items` shape (BENCH_ROWS rows):
 *   (a) ficus's bulk copy (cdc/copy/), straight from database to database, run by a sink worker
 *       as `ficus sync` runs it (`ficusCopy` below);
 *   (b) Debezium's initial snapshot (ficus's source settings, as the sink e2e harness configures
 *       them) drained by the ficus sink;
 *   (c) Debezium's initial snapshot drained by Debezium's JDBC sink connector, at its best
 *       configuration (upsert, reduction buffer, 3 tasks, large batches and fetches, batched
 *       inserts rewritten by the driver: see `tuned-jdbc-sink.ts`);
 *   (d) `COPY (SELECT …) TO STDOUT` piped into `COPY … FROM STDIN`: the limit.
 * Each copies into an empty service table of its own (same shape, identity mapping) and ends
 * with every row there; then `ficus verify`'s parity check of that table against the legacy one
 * must be clean, or the bench fails. The clock runs from the method's start (connector created,
 * COPY issued) until the last row is in the service table; the parity check is not timed.
 *
 * For each: rows/s and wall time; what it cost the legacy database (bench/legacy-cost.ts), less
 * an idle baseline measured first and scaled to the method's duration: the CPU of the database's
 * own backends and walsenders (sampled; misses connections shorter than a sample, which the
 * count of sessions it opened shows) and of every process of the legacy cluster (exact, but the
 * stack is shared: other users' work shows in it); the most WAL the database's replication slots
 * held back (sampled each second; none for the COPY pipe); and for (b)/(c) the bytes of their
 * topic in Kafka. Then the ratios the goals are stated in: (a)/(b) rows/s ≥ 10x, (a)/(d) ≥ 0.5x.
 *
 *   FICUS_HOME=/work/main/.ficus node bench/initial-copy.ts [--json]    (the embedded stack up)
 *   flock /work/bench.lock env BENCH_ROWS=200000 node bench/initial-copy.ts   (a measurement)
 *
 * Knobs (environment): BENCH_ROWS (default 5,000,000), BENCH_METHODS (which to run, default
 * `a,b,c,d`), BENCH_ROUNDS (runs of each, the methods taking turns; default 1: medians and the
 * spread of rows/s are printed), BENCH_JDBC_BATCH (the JDBC sink's batch.size, default 4000), BENCH_IDLE_SECONDS (the
 * idle baseline's length, default 10). `--json` prints the figures as JSON on stdout (progress goes
 * to stderr).
 */
import { pipeline } from 'node:stream/promises';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { sleep, waitFor, waitWhileProgressing } from '../lib/wait.ts';
import { DEFAULT_RETRY } from '../lib/retry.ts';
import { startSinkWorker } from '../cdc/sink/sink-worker.ts';
import { createConnectClient } from '../cdc/connect/connect-client.ts';
import { failureOf } from '../cdc/connect/apply-connector.ts';
import { debeziumTopic } from '../cdc/sink/debezium-topic.ts';
import { openVerifyPool, verifyService } from '../cdc/verify/verify-service.ts';
import type { TableParity } from '../cdc/verify/verify-service.ts';
import type { Plan } from '../plan/plan-types.ts';
import {
  createSinkFixture,
  sql,
  urls,
  type SinkFixture,
} from '../test-support/sink-e2e-harness.ts';
import { stackConfig } from '../test-support/stack-access.ts';
import { readCopies, requestCopies } from '../cdc/copy/copy-store.ts';
import { DEFAULT_COPY_CHUNK_ROWS, DEFAULT_COPY_CONCURRENCY } from '../lib/config/parse-config.ts';
import { tunedJdbcSinkConfig } from './tuned-jdbc-sink.ts';
import { clusterDataDir, topicBytes, watchLegacyCost, type LegacyCost } from './legacy-cost.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 5_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const ONLY = (process.env.BENCH_METHODS ?? 'a,b,c,d').split(',');
const AS_JSON = process.argv.includes('--json');
/** (a)'s settings (`copy.*` in ficus.config.yaml); the defaults unless BENCH_COPY_CONCURRENCY, BENCH_COPY_CHUNK_ROWS */
const COPY_SETTINGS = {
  concurrency: Number(process.env.BENCH_COPY_CONCURRENCY ?? DEFAULT_COPY_CONCURRENCY),
  chunkRows: Number(process.env.BENCH_COPY_CHUNK_ROWS ?? DEFAULT_COPY_CHUNK_ROWS),
};
/** the sinks' partitions applied at once (ficus) and tasks (JDBC sink) */
const CONCURRENCY = 3;
const config = stackConfig();
const connectClient = createConnectClient({ url: urls.connect });
const say = (m: string) => (AS_JSON ? process.stderr : process.stdout).write(`${m}\n`);

const SOURCE = 'order_items';
const COLUMNS = 'id, order_id, product_id, quantity, unit_price';
/** the ficus sink writes the plan's target: the one table the fixture's plan maps */
const SINK_TARGET = 'order_items_ficus_sink';

/** migrations/legacy/0002's order_items without its foreign keys, under any name */
const orderItemsDdl = (table: string) => `
CREATE TABLE ${table} (id bigserial PRIMARY KEY, order_id bigint NOT NULL, product_id bigint NOT NULL,
  quantity integer NOT NULL CONSTRAINT ${table}_quantity_positive CHECK (quantity > 0),
  unit_price numeric(12,2) NOT NULL);
CREATE INDEX ${table}_order_id_idx ON ${table} (order_id);
CREATE INDEX ${table}_product_id_idx ON ${table} (product_id);`;

/** What a copy method gets: the legacy table, and the empty service table it copies into. */
export type CopyContext = {
  fx: SinkFixture;
  admin: Admin;
  /** the fixture's plan with the table mapped (identity) into `target` */
  plan: Plan;
  service: string;
  legacyUrl: string;
  serviceUrl: string;
  source: string;
  target: string;
  rows: number;
  /** 1, 2, …: what a method starts (connectors, groups, topics) is named after it */
  round: number;
};

/**
 * What a method leaves: the Kafka topic it wrote (if any), and what to undo once timed. A legacy
 * connection a method closes only in `release` is measured to its end: the database's CPU is
 * sampled, and a backend's last moments before it exits are lost.
 */
type CopyRun = {
  topic?: string;
  release?: () => Promise<void>;
  /** the longest transaction it held open on the legacy database, when known */
  longestLegacyTransactionMs?: number;
};

/**
 * (a) ficus's bulk copy (cdc/copy/) as users run it: the copy asked for in the service DB and a
 * connector started without a snapshot (what `ficus connectors apply` does), then a forward sink
 * worker (`ficus sync`), whose copier copies the table with its default settings (2 chunks at
 * once, 50,000 rows a chunk) while the sink holds the table's events; done when the copy is.
 */
async function ficusCopy(ctx: CopyContext): Promise<CopyRun> {
  const instance = `a${ctx.round}`;
  const db = new pg.Client(ctx.serviceUrl);
  await db.connect();
  const source = { schema: 'public', table: ctx.source };
  try {
    await requestCopies(db, ctx.service, ctx.fx.slot('forward', instance), [source]);
  } finally {
    await db.end();
  }
  await ctx.fx.startConnector('forward', { 'snapshot.mode': 'no_data' }, { instance });
  const groupId = `${ctx.fx.group('forward')}-${instance}`;
  const worker = await startSinkWorker(
    ctx.fx.workerOptions('forward', {
      plan: ctx.plan,
      retry: DEFAULT_RETRY,
      concurrency: CONCURRENCY,
      topicPrefix: ctx.fx.topicPrefix('forward', instance),
      groupId,
      copy: { settings: COPY_SETTINGS },
    }),
  );
  let failure: string | undefined;
  worker.failed.catch((error: Error) => (failure = `the ficus sink failed: ${error.message}`));
  try {
    await waitForAllRows(ctx, async () => failure);
    await waitFor(
      'the copy recorded done',
      async () =>
        (await readCopies({ query: (t, p) => sql(ctx.serviceUrl, t, p) }, ctx.service)).every(
          (c) => c.state === 'done',
        ),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  } finally {
    await worker.stop();
  }
  // a chunk's time in the service DB spans its legacy read transaction, and a little more
  const { rows } = await sql(ctx.serviceUrl, 'SELECT max(seconds) AS s FROM ficus_copy_chunks');
  const longestLegacyTransactionMs = Math.round(Number(rows[0].s) * 1000);
  const release = async () => {
    await ctx.fx.stopConnector('forward', instance);
    await ctx.admin.deleteGroups([groupId]).catch(() => undefined);
    // the next method's sink must not take this copy's record for one of its table
    await sql(ctx.serviceUrl, 'DELETE FROM ficus_copy_chunks; DELETE FROM ficus_copy_tables');
  };
  return { release, longestLegacyTransactionMs };
}

/** (b) Debezium's snapshot into Kafka, drained by the ficus sink as `ficus sync` runs it. */
async function snapshotIntoFicusSink(ctx: CopyContext): Promise<CopyRun> {
  const instance = `b${ctx.round}`;
  const topic = await startSnapshot(ctx, instance);
  const groupId = `${ctx.fx.group('forward')}-${instance}`;
  const worker = await startSinkWorker(
    ctx.fx.workerOptions('forward', {
      retry: DEFAULT_RETRY,
      concurrency: CONCURRENCY,
      topicPrefix: ctx.fx.topicPrefix('forward', instance),
      groupId,
    }),
  );
  let failure: string | undefined;
  worker.failed.catch((error: Error) => (failure = `the ficus sink failed: ${error.message}`));
  try {
    await waitForAllRows(ctx, async () => failure);
  } finally {
    await worker.stop();
  }
  const release = async () => {
    await ctx.fx.stopConnector('forward', instance);
    await ctx.admin.deleteGroups([groupId]).catch(() => undefined);
    await ctx.admin.deleteTopics({ topics: [topic] }); // 3.4 KB an event: gigabytes at millions
  };
  return { topic, release };
}

/** (c) Debezium's snapshot into Kafka (a connector of its own), drained by the JDBC sink. */
async function snapshotIntoJdbcSink(ctx: CopyContext): Promise<CopyRun> {
  const instance = `c${ctx.round}`;
  const topic = await startSnapshot(ctx, instance);
  const name = `bench-jdbc-${ctx.fx.id}-${ctx.round}`;
  await connectClient.put(
    name,
    tunedJdbcSinkConfig({
      topic,
      database: ctx.serviceUrl.split('/').pop()!,
      table: ctx.target,
      tasks: CONCURRENCY,
    }),
  );
  const release = async () => {
    await connectClient.delete(name).catch(() => undefined);
    await ctx.admin.deleteGroups([`connect-${name}`]).catch(() => undefined);
    await ctx.fx.stopConnector('forward', instance);
    await ctx.admin.deleteTopics({ topics: [topic] });
  };
  try {
    await waitForAllRows(ctx, () => failedConnector(name));
  } catch (error) {
    await release();
    throw error;
  }
  return { topic, release };
}

/** (d) the limit: one COPY out of the legacy DB piped into one COPY into the service DB. */
async function copyPipe(ctx: CopyContext): Promise<CopyRun> {
  const [from, into] = [new pg.Client(ctx.legacyUrl), new pg.Client(ctx.serviceUrl)];
  const release = async () => void (await Promise.all([from.end(), into.end()]));
  await Promise.all([from.connect(), into.connect()]);
  try {
    await pipeline(
      from.query(copyTo(`COPY (SELECT ${COLUMNS} FROM ${ctx.source}) TO STDOUT`)),
      into.query(copyFrom(`COPY ${ctx.target} (${COLUMNS}) FROM STDIN`)),
    );
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}

type Method = {
  key: string;
  name: string;
  target: string;
  run: (ctx: CopyContext) => Promise<CopyRun>;
};

const METHODS: Method[] = [
  { key: 'a', name: 'ficus bulk copy', target: 'order_items_ficus_copy', run: ficusCopy },
  { key: 'b', name: 'snapshot + ficus sink', target: SINK_TARGET, run: snapshotIntoFicusSink },
  {
    key: 'c',
    name: 'snapshot + JDBC sink',
    target: 'order_items_jdbc_sink',
    run: snapshotIntoJdbcSink,
  },
  { key: 'd', name: 'COPY pipe (limit)', target: 'order_items_copy_pipe', run: copyPipe },
];

/**
 * Starts a Debezium connector on the legacy table (ficus's settings, snapshot.mode=initial) and
 * returns its topic once it exists, so that a sink subscribes to a topic that is there.
 */
async function startSnapshot(ctx: CopyContext, instance: string): Promise<string> {
  await ctx.fx.startConnector('forward', {}, { awaitStreaming: false, instance });
  const topic = debeziumTopic(ctx.fx.topicPrefix('forward', instance), {
    schema: 'public',
    table: ctx.source,
  });
  await waitFor(`topic ${topic}`, async () => (await ctx.admin.listTopics()).includes(topic), {
    timeoutMs: 120_000,
    intervalMs: 100,
  });
  return topic;
}

/** Why a connector failed, or undefined while it has not. */
async function failedConnector(name: string): Promise<string | undefined> {
  const status = await connectClient.findStatus(name);
  const failure = status && failureOf(status);
  return failure && `connector ${name} failed: ${failure}`;
}

/** how many of the highest ids are looked for before the full count */
const TAIL = 200;

/**
 * Waits until the service table holds exactly the legacy table's rows (ids 1..rows). A snapshot
 * reads the freshly filled table in id order and each sink applies a partition in offset order,
 * so the highest ids land last in every partition: once the top TAIL ids are all there, a full
 * count (which on millions of rows would cost the service cluster CPU if polled) confirms it,
 * and is polled from then on if it does not. Fails when the table stops growing for two minutes
 * or `failure` names a reason.
 */
async function waitForAllRows(ctx: CopyContext, failure: () => Promise<string | undefined>) {
  const tail = Math.min(TAIL, ctx.rows);
  let saidAt = Date.now();
  await waitWhileProgressing(
    `${ctx.rows} rows in ${ctx.target}`,
    async () => {
      const problem = await failure();
      if (problem) throw new Error(problem);
      const { rows } = await sql(
        ctx.serviceUrl,
        `SELECT (SELECT coalesce(max(id), 0) FROM ${ctx.target})::bigint AS top,
          (SELECT count(*) FROM ${ctx.target} WHERE id > $1)::int AS tail`,
        [ctx.rows - tail],
      );
      const top = Number(rows[0].top);
      if (Date.now() - saidAt > 10_000) {
        say(`  … ${ctx.target}: ids up to ${top} of ${ctx.rows} arrived`);
        saidAt = Date.now();
      }
      if (rows[0].tail < tail) return { done: false, progress: top };
      const count = await rowCount(ctx.serviceUrl, ctx.target);
      if (count > ctx.rows)
        throw new Error(`${count} rows in ${ctx.target}, more than ${ctx.rows}`);
      return { done: count === ctx.rows, progress: top + count };
    },
    { stallMs: 120_000, intervalMs: 100 },
  );
}

const rowCount = async (url: string, table: string) =>
  Number((await sql(url, `SELECT count(*) AS n FROM ${table}`)).rows[0].n);

/** The fixture's plan with its one table mapped (identity) into `target` instead. */
function planInto(plan: Plan, service: string, target: string): Plan {
  return {
    ...plan,
    services: plan.services.map((s) =>
      s.name === service ? { ...s, owns: s.owns.map((t) => ({ ...t, target })) } : s,
    ),
  };
}

/** `ficus verify`'s parity check of the method's table against the legacy one. */
async function verifyCopy(ctx: CopyContext): Promise<TableParity> {
  const legacy = openVerifyPool(ctx.legacyUrl);
  const serviceDb = openVerifyPool(ctx.serviceUrl);
  try {
    const { report } = await verifyService({
      plan: ctx.plan,
      service: ctx.service,
      legacy,
      serviceDb,
    });
    return report.tables[0];
  } finally {
    await Promise.all([legacy.end(), serviceDb.end()]);
  }
}

const isClean = (p: TableParity, rows: number) =>
  p.rows === rows &&
  p.matching === rows &&
  p.mismatched + p.missingInTarget + p.extraInTarget === 0;

async function fillLegacy(fx: SinkFixture) {
  say(`filling ${SOURCE} with ${ROWS} rows…`);
  const started = Date.now();
  await sql(
    fx.legacyUrl,
    `INSERT INTO ${SOURCE} (order_id, product_id, quantity, unit_price)
    SELECT 1 + g / 3, 1 + (g::bigint * 7919) % 100000, 1 + g % 5, ((g % 50000) * 0.37)::numeric(12,2)
    FROM generate_series(1, ${ROWS}) g`,
  );
  // VACUUM as well as ANALYZE: sets the hint bits, so that the first method to read the table
  // does not pay for writing them
  await sql(fx.legacyUrl, `VACUUM (ANALYZE) ${SOURCE}`);
  say(`  filled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const watchLegacy = (legacyDb: string) =>
  watchLegacyCost({
    dataDir: clusterDataDir(config.home, 'legacy'),
    adminUrl: urls.legacyAdmin('postgres'),
    database: legacyDb,
  });

/** The legacy CPU seconds per second while nothing of this bench runs but its own sampling. */
async function idleCpuRates(legacyDb: string): Promise<IdleRates> {
  say(`measuring the legacy cluster's idle CPU for ${IDLE_SECONDS} s…`);
  const watch = await watchLegacy(legacyDb);
  await sleep(IDLE_SECONDS * 1000);
  const idle = await watch.stop();
  return {
    cluster: idle.clusterCpuSeconds / IDLE_SECONDS,
    database: idle.databaseCpuSeconds / IDLE_SECONDS,
  };
}

type IdleRates = { cluster: number; database: number };

/** What the method cost the legacy side beyond what the same time costs it idle. */
function extraCost(cost: LegacyCost, idle: IdleRates, seconds: number) {
  return {
    legacyCpuSeconds: round2(cost.databaseCpuSeconds - idle.database * seconds),
    legacyClusterCpuSeconds: round2(cost.clusterCpuSeconds - idle.cluster * seconds),
    legacyClusterCpuSecondsRaw: round2(cost.clusterCpuSeconds),
    walRetainedMaxBytes: cost.walRetainedMaxBytes ?? null,
    legacySessions: cost.sessions,
  };
}

/** One run of one method. */
type RoundFigures = {
  wallMs: number;
  rowsPerSecond: number;
  /** the legacy database's backends and walsenders, less idle */
  legacyCpuSeconds: number;
  /** every process of the legacy cluster, less idle (other users of the stack included) */
  legacyClusterCpuSeconds: number;
  legacyClusterCpuSecondsRaw: number;
  walRetainedMaxBytes: number | null;
  /** connections to the legacy database that ended during the method */
  legacySessions: number;
  kafkaBytes: number | null;
  /** (a) its longest chunk, (d) the whole pipe; null: not measured (a snapshot's) */
  longestLegacyTransactionMs: number | null;
  parity: TableParity;
};

type Outcome = {
  key: string;
  name: string;
  status: 'done';
  rows: number;
  /** each figure's median over the rounds (parity: every round's was clean) */
  median: Omit<RoundFigures, 'parity'>;
  rowsPerSecondSpread: { min: number; max: number };
  rounds: RoundFigures[];
};

/**
 * Runs one method into its emptied table with the legacy cluster's CPU and slots watched, then
 * checks its parity.
 */
async function measure(method: Method, ctx: CopyContext, idle: IdleRates): Promise<RoundFigures> {
  say(`(${method.key}) ${method.name} into ${method.target}, round ${ctx.round}…`);
  await sql(ctx.serviceUrl, `TRUNCATE ${ctx.target}`);
  const watch = await watchLegacy(ctx.plan.legacy.database);
  const started = performance.now();
  let run: CopyRun;
  try {
    run = await method.run(ctx);
  } catch (error) {
    await watch.stop();
    throw error;
  }
  const wallMs = performance.now() - started;
  const cost = await watch.stop();
  const kafkaBytes = run.topic ? topicBytes(config.home, run.topic) : null;
  await run.release?.();
  const parity = await verifyCopy(ctx);
  if (!isClean(parity, ctx.rows))
    throw new Error(`(${method.key}) ${method.name}: parity not clean: ${JSON.stringify(parity)}`);
  const rowsPerSecond = Math.round((ctx.rows * 1000) / wallMs);
  say(`  ${rowsPerSecond} rows/s, ${(wallMs / 1000).toFixed(1)} s; parity clean`);
  return {
    wallMs: Math.round(wallMs),
    rowsPerSecond,
    ...extraCost(cost, idle, wallMs / 1000),
    kafkaBytes,
    longestLegacyTransactionMs:
      run.longestLegacyTransactionMs ?? (method.key === 'd' ? Math.round(wallMs) : null),
    parity,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A method's rounds summed up: the median of each figure, the spread of rows/s. */
function summarise(method: Method, rounds: RoundFigures[]): Outcome {
  const of = (figure: (r: RoundFigures) => number) => round2(median(rounds.map(figure)));
  const orNull = (figure: (r: RoundFigures) => number | null) =>
    rounds.some((r) => figure(r) === null) ? null : of((r) => figure(r) ?? 0);
  const rates = rounds.map((r) => r.rowsPerSecond);
  return {
    key: method.key,
    name: method.name,
    status: 'done',
    rows: ROWS,
    median: {
      wallMs: of((r) => r.wallMs),
      rowsPerSecond: of((r) => r.rowsPerSecond),
      legacyCpuSeconds: of((r) => r.legacyCpuSeconds),
      legacyClusterCpuSeconds: of((r) => r.legacyClusterCpuSeconds),
      legacyClusterCpuSecondsRaw: of((r) => r.legacyClusterCpuSecondsRaw),
      walRetainedMaxBytes: orNull((r) => r.walRetainedMaxBytes),
      legacySessions: of((r) => r.legacySessions),
      kafkaBytes: orNull((r) => r.kafkaBytes),
      longestLegacyTransactionMs: orNull((r) => r.longestLegacyTransactionMs),
    },
    rowsPerSecondSpread: { min: Math.min(...rates), max: Math.max(...rates) },
    rounds,
  };
}

/**
 * Every selected method, BENCH_ROUNDS times, the methods taking turns within a round so that
 * a change in the machine's load falls on all of them alike.
 */
async function runRounds(
  contextOf: (method: Method, round: number) => CopyContext,
  idle: IdleRates,
): Promise<Outcome[]> {
  const selected = METHODS.filter((m) => ONLY.includes(m.key));
  const rounds = new Map<Method, RoundFigures[]>(selected.map((m) => [m, []]));
  for (let round = 1; round <= ROUNDS; round++)
    for (const method of selected)
      rounds.get(method)!.push(await measure(method, contextOf(method, round), idle));
  return selected.map((m) => summarise(m, rounds.get(m)!));
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** rows/s of `over` / rows/s of `under`, against a goal; null while either did not run */
function ratio(outcomes: Outcome[], over: string, under: string, goal: number) {
  const rate = (key: string) => {
    const o = outcomes.find((x) => x.key === key);
    return o?.status === 'done' ? o.median.rowsPerSecond : undefined;
  };
  const [a, b] = [rate(over), rate(under)];
  const value = a && b ? round2(a / b) : null;
  return { over, under, value, goal, met: value === null ? null : value >= goal };
}

function bytes(n: number | null) {
  if (n === null) return '-';
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const COLUMNS_SHOWN: [string, number][] = [
  ['rows/s', 9],
  ['(min-max)', 15],
  ['wall s', 7],
  ['db CPU s', 9],
  ['µs/row', 7],
  ['cluster CPU s', 14],
  ['sessions', 9],
  ['WAL held', 9],
  ['Kafka', 10],
  ['longest tx s', 13],
];

function printTable(outcomes: Outcome[], idle: IdleRates, ratios: ReturnType<typeof ratio>[]) {
  say('');
  say(
    `initial copy of ${ROWS} ${SOURCE} rows, median of ${ROUNDS} round(s); legacy CPU less idle (${idle.database.toFixed(3)} CPU s/s of the database, ${idle.cluster.toFixed(3)} of the cluster):`,
  );
  say(`  ${'method'.padEnd(26)} ${COLUMNS_SHOWN.map(([h, w]) => h.padStart(w)).join(' ')}`);
  for (const o of outcomes) {
    const label = `(${o.key}) ${o.name}`.padEnd(26);
    const m = o.median;
    const cells = [
      String(Math.round(m.rowsPerSecond)),
      `${o.rowsPerSecondSpread.min}-${o.rowsPerSecondSpread.max}`,
      (m.wallMs / 1000).toFixed(1),
      m.legacyCpuSeconds.toFixed(2),
      ((m.legacyCpuSeconds * 1e6) / o.rows).toFixed(1),
      m.legacyClusterCpuSeconds.toFixed(2),
      String(m.legacySessions),
      bytes(m.walRetainedMaxBytes),
      bytes(m.kafkaBytes),
      m.longestLegacyTransactionMs === null
        ? '-'
        : (m.longestLegacyTransactionMs / 1000).toFixed(2),
    ];
    say(`  ${label} ${cells.map((c, i) => c.padStart(COLUMNS_SHOWN[i][1])).join(' ')}`);
  }
  for (const r of ratios) {
    const figure = r.value === null ? 'not run' : `${r.value}x (${r.met ? 'met' : 'not met'})`;
    say(`  (${r.over})/(${r.under}) rows/s = ${figure}, goal ≥ ${r.goal}x`);
  }
}

async function main() {
  const fx = await createSinkFixture({
    tables: {
      legacyDdl: orderItemsDdl(SOURCE),
      serviceDdl: METHODS.map((m) => orderItemsDdl(m.target)).join('\n'),
      owns: [{ source: SOURCE, target: SINK_TARGET, key: ['id'] }],
    },
  });
  const admin = fx.kafka.admin();
  await admin.connect();
  try {
    await fillLegacy(fx);
    const legacyDb = fx.plan.legacy.database;
    const idle = await idleCpuRates(legacyDb);
    const outcomes = await runRounds(
      (method, round) => ({
        fx,
        admin,
        plan: planInto(fx.plan, fx.service, method.target),
        service: fx.service,
        legacyUrl: fx.legacyUrl,
        serviceUrl: fx.serviceUrl,
        source: SOURCE,
        target: method.target,
        rows: ROWS,
        round,
      }),
      idle,
    );
    const ratios = [ratio(outcomes, 'a', 'b', 10), ratio(outcomes, 'a', 'd', 0.5)];
    printTable(outcomes, idle, ratios);
    if (AS_JSON)
      process.stdout.write(
        `${JSON.stringify({ rows: ROWS, rounds: ROUNDS, idleLegacyCpuPerSecond: idle, methods: outcomes, ratios }, null, 2)}\n`,
      );
  } finally {
    await admin.disconnect();
    await fx.dispose();
  }
}

await main();
