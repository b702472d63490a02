/**
 * A private world for one sink e2e suite: a legacy-side DB and a service-side DB with random
 * names, the catalog's product and stock tables on both sides (or a suite's own tables), a plan
 * file naming them, and a
 * real Debezium PostgresConnector on the legacy DB (and optionally one on the service DB for the
 * reverse direction), all removed again by `dispose()`; and the checks the sink suites share: the
 * target against the source through the mapping, every event applied exactly up to the topic's
 * end, and `ficus verify`'s parity check.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import pg from 'pg';
import YAML from 'yaml';
import { waitFor, waitWhileProgressing } from '../lib/wait.ts';
import { loadPlan, parsePlan } from '../plan/load-plan.ts';
import { ensureKitTables } from '../cdc/connect/source-database.ts';
import type { SourceConnectorSpec } from '../cdc/connect/source-config.ts';
import { createConnectClient } from '../cdc/connect/connect-client.ts';
import { sinkConsistency, type WaitForConsistentPoint } from '../cdc/verify/consistent-point.ts';
import type { Plan } from '../plan/plan-types.ts';
import { compileTableMapping, renderMappedSelect } from '../plan/mapping.ts';
import { describeTable } from '../plan/describe-table.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';
import { stackConfig, stackUrls, writeTestDatabasesConfig } from './stack-access.ts';
import type { Direction } from '../plan/mapping.ts';
import type { SinkWorkerOptions } from '../cdc/sink/sink-worker.ts';
import { syncWorkerHooks, type BackfillConnections } from '../cdc/sink/sync-worker-hooks.ts';
import { loadConfig } from '../lib/config/index.ts';
import { FAST_RETRY } from '../lib/retry.ts';
import { readPositions } from '../cdc/sink/sync-tables.ts';
import {
  openVerifyPool,
  verifyService,
  type TableParity,
  type VerifyReport,
} from '../cdc/verify/verify-service.ts';
import { createKafkaClient } from '../cdc/kafka/kafka-clients.ts';
import { createTestDatabase } from './databases.ts';
import { includeEntry, VALUE_HANDLING } from '../cdc/connect/source-config.ts';
import { debeziumTopic } from '../cdc/sink/debezium-topic.ts';
import { sourceTableOf, targetTableOf } from '../plan/qualified-table.ts';
import { quoteIdent, quoteTable } from '../lib/sql.ts';
import { DEAD_LETTER_HEADERS } from '../cdc/sink/dead-letter.ts';

const config = stackConfig();
export const urls = stackUrls();

const LEGACY_DDL = `
CREATE TABLE products (id bigint PRIMARY KEY, sku text NOT NULL UNIQUE, name text NOT NULL, description text,
  price numeric(12,2) NOT NULL, active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE inventory (product_id bigint PRIMARY KEY, quantity int NOT NULL DEFAULT 0, reserved int NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now());
ALTER TABLE products REPLICA IDENTITY FULL;`;

const SERVICE_DDL = `
CREATE TABLE products (id bigint PRIMARY KEY, sku text NOT NULL, title text NOT NULL, description text,
  price_cents bigint NOT NULL, active boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(), search_text text);
CREATE TABLE stock_levels (product_id bigint PRIMARY KEY, on_hand int NOT NULL, updated_at timestamptz NOT NULL);
ALTER TABLE products REPLICA IDENTITY FULL;`;

export async function sql(url: string, text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

async function connect(method: string, p: string, body?: unknown) {
  const response = await fetch(`${urls.connect}${p}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: response.status === 204 ? null : await response.json().catch(() => null),
  };
}

/** Deletes a connector, waits until its slot is released, and drops the slot. */
async function removeConnector(c: { name: string; slot: string; url: string }) {
  await connect('DELETE', `/connectors/${c.name}`);
  await waitFor(
    'slot released',
    async () => {
      const { rows } = await sql(
        c.url,
        'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
        [c.slot],
      );
      return rows.length === 0 || rows[0].active === false;
    },
    { timeoutMs: 30_000 },
  ).catch(() => undefined);
  await sql(
    c.url,
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
    [c.slot],
  ).catch(() => undefined);
}

export type SinkFixture = Awaited<ReturnType<typeof createSinkFixture>>;

/** messages in a topic, from its partitions' ends (offsets start at 0, nothing is deleted) */
export const messageCount = (ends: Map<number, bigint>): number =>
  Number([...ends.values()].reduce((sum, high) => sum + high, 0n));

/** What verify reports for a table that matches row for row. */
const cleanParity = (source: string, target: string, rows: number): TableParity => ({
  source,
  target,
  rows,
  matching: rows,
  mismatched: 0,
  missingInTarget: 0,
  extraInTarget: 0,
  samples: { mismatched: [], missingInTarget: [], extraInTarget: [] },
});

const IDENTITY_SERVICE_DDL = `
CREATE TABLE products (id bigint PRIMARY KEY, sku text NOT NULL, name text NOT NULL, description text,
  price numeric(12,2) NOT NULL, active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE stock_levels (product_id bigint PRIMARY KEY, on_hand int NOT NULL, updated_at timestamptz NOT NULL);`;

/**
 * `catalog` (default): the catalog's real mapping (rename, cents, derived column);
 * `identity`: products copied column for column (what a generic sink such as Debezium's JDBC sink can do).
 */
export type FixtureMapping = 'catalog' | 'identity';

const CATALOG_INVENTORY = {
  source: 'inventory',
  target: 'stock_levels',
  key: ['product_id'],
  columns: { product_id: 'product_id', quantity: 'on_hand', updated_at: 'updated_at' },
  drop: ['reserved'],
};

const CATALOG_PRODUCTS = {
  source: 'products',
  target: 'products',
  key: ['id'],
  columns: {
    id: 'id',
    sku: 'sku',
    name: 'title',
    description: 'description',
    price: { target: 'price_cents', type: 'cents' },
    active: 'active',
    created_at: 'created_at',
    updated_at: 'updated_at',
  },
  derived: { search_text: "lower(name || ' ' || sku)" },
};

/** A suite's own tables instead of the catalog's: both sides' DDL and the service's mappings. */
export type FixtureTables = {
  legacyDdl: string;
  serviceDdl: string;
  /** the plan's `legacy.schema` (default `public`); the legacy DDL creates it */
  legacySchema?: string;
  /** the service's `schema` in the plan (default `public`); the service DDL creates it */
  serviceSchema?: string;
  owns: Record<string, unknown>[];
  replicates?: Record<string, unknown>[];
};

export async function createSinkFixture(
  options: { mapping?: FixtureMapping; tables?: FixtureTables } = {},
) {
  const identity = options.mapping === 'identity';
  const own = options.tables;
  const id = randomBytes(4).toString('hex');
  const service = `svc${id}`;
  const legacyDb = `sinkl_${id}`;
  const serviceDb = `sinks_${id}`;
  const prefix = `sinkt${id}`;
  const connectors: { name: string; slot: string; url: string }[] = [];
  const owns = own?.owns ?? [
    identity ? { source: 'products', target: 'products', key: ['id'] } : CATALOG_PRODUCTS,
  ];
  const replicates = own ? (own.replicates ?? []) : [CATALOG_INVENTORY];
  const legacySchema = own?.legacySchema ?? 'public';
  const serviceSchema = own?.serviceSchema;
  // a suite names a table by its source name; an entry's own sourceSchema wins over legacySchema
  const legacyTable = (table: string) => {
    const entry: Record<string, unknown> | undefined = [...owns, ...replicates].find(
      (t) => t.source === table,
    );
    return { schema: String(entry?.sourceSchema ?? legacySchema), table };
  };
  const captured = [...owns, ...replicates].map((t) => includeEntry(legacyTable(String(t.source))));
  // the reverse connector captures the service's tables the suite owns (the sink writes them back)
  const capturedReverse = owns.map((t: Record<string, unknown>) =>
    includeEntry({
      schema: String(t.targetSchema ?? serviceSchema ?? 'public'),
      table: String(t.target),
    }),
  );
  const planText = YAML.stringify({
    version: 1,
    legacy: { database: legacyDb, schema: legacySchema },
    services: {
      [service]: {
        database: serviceDb,
        ...(serviceSchema ? { schema: serviceSchema } : {}),
        owns,
        replicates,
        routes: [],
      },
      // a second service that replicates the same legacy table (as orders does products): what the
      // first service's reverse sink writes into legacy is news for it, not an echo
      [`${service}o`]: {
        database: `${serviceDb}o`,
        owns: [],
        replicates: [
          {
            source: 'products',
            target: 'product_snapshots',
            key: ['id'],
            columns: { id: 'id', name: 'name', price: 'price' },
          },
        ],
        routes: [],
      },
    },
  });
  const planPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-sink-')), 'plan.yaml');
  fs.writeFileSync(planPath, planText);
  const plan: Plan = parsePlan(planText, planPath);
  // `ficus sync` run as a child reads this: the fixture's databases (a kit DB of its own, where
  // the worker registers and reads its direction's assignment), the stack's Kafka
  const kit = await createTestDatabase({ cluster: 'services', template: 'kit' });
  const configPath = writeTestDatabasesConfig(
    path.join(path.dirname(planPath), 'ficus.config.yaml'),
    {
      planFile: planPath,
      legacyDatabase: legacyDb,
      services: { [service]: serviceDb, [`${service}o`]: `${serviceDb}o` },
      kitDatabase: kit.name,
    },
  );

  await sql(urls.legacyAdmin('postgres'), `CREATE DATABASE ${legacyDb}`);
  await sql(urls.servicesAdmin('postgres'), `CREATE DATABASE ${serviceDb}`);
  await sql(urls.legacyAdmin(legacyDb), own?.legacyDdl ?? LEGACY_DDL);
  await sql(
    urls.servicesAdmin(serviceDb),
    own?.serviceDdl ?? (identity ? IDENTITY_SERVICE_DDL : SERVICE_DDL),
  );
  await sql(urls.servicesAdmin('postgres'), `CREATE DATABASE ${serviceDb}o`);
  await sql(
    urls.servicesAdmin(`${serviceDb}o`),
    'CREATE TABLE product_snapshots (id bigint PRIMARY KEY, name text NOT NULL, price numeric(12,2) NOT NULL)',
  );
  const kafka = createKafkaClient({
    brokers: [urls.kafkaBootstrap],
    clientId: `sink-test-${id}`,
  });

  let admin: Promise<Admin> | undefined;
  const connectedAdmin = () =>
    (admin ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      return a;
    })());

  /** `ficus verify`'s consistent point on one direction's connector (source DB → its sink's target). */
  const consistencyOf = async (
    direction: Direction,
    source: pg.Pool,
    target: pg.Pool,
    kafkaAdmin: Admin,
  ): Promise<WaitForConsistentPoint> => {
    const forward = direction === 'forward';
    const spec = {
      name: `sink-test-${id}-${direction}`,
      topicPrefix: forward ? prefix : `${prefix}.reverse`,
      tables: forward
        ? [...owns, ...replicates].map((t) => legacyTable(String(t.source)))
        : owns.map((t: Record<string, unknown>) => ({
            schema: String(t.targetSchema ?? serviceSchema ?? 'public'),
            table: String(t.target),
          })),
      kitSchema: 'ficus_cdc',
      heartbeatTable: { schema: 'ficus_cdc', table: 'heartbeat' },
      signalTable: { schema: 'ficus_cdc', table: 'signal' },
    } as SourceConnectorSpec;
    await ensureKitTables(source, spec);
    return sinkConsistency({
      legacy: source,
      service: target,
      connect: createConnectClient({ url: urls.connect }),
      kafkaAdmin,
      spec,
      timeoutMs: 120_000,
    });
  };
  const fixture = {
    id,
    service,
    otherService: `${service}o`,
    otherServiceUrl: urls.servicesAdmin(`${serviceDb}o`),
    plan,
    planPath,
    /** the configuration `ficus` run as a child reads: the fixture's databases and kit DB */
    configPath,
    /** the fixture's own kit DB */
    kit,
    kafka,
    legacyUrl: urls.legacyAdmin(legacyDb),
    serviceUrl: urls.servicesAdmin(serviceDb),
    /** an `instance` names a further connector of the direction (startConnector's option) */
    topicPrefix: (direction: Direction, instance?: string) =>
      `${direction === 'forward' ? prefix : `${prefix}.reverse`}${instance ? `.${instance}` : ''}`,
    group: (direction: Direction) => `sink-test-${id}-${direction}`,
    /** the replication slot (and publication) of the direction's connector */
    slot: (direction: Direction, instance?: string) =>
      `sink_${id}_${direction}${instance ? `_${instance}` : ''}`,
    dlqTopic: `ficus.dlq.${service}.${id}`,
    /** the positions a group has stored with the rows in the service DB */
    async storedPositions(group: string) {
      const client = new pg.Client({ connectionString: fixture.serviceUrl });
      await client.connect();
      try {
        return await readPositions(client, group);
      } finally {
        await client.end();
      }
    },
    /** each partition's end (high watermark) in the forward topic of a legacy table */
    async topicEnds(table: string): Promise<Map<number, bigint>> {
      const ends = await (
        await connectedAdmin()
      ).fetchTopicOffsets(debeziumTopic(prefix, legacyTable(table)));
      return new Map(ends.map((e) => [e.partition, BigInt(e.high)]));
    },
    /**
     * Waits until the forward topic of a table holds exactly `messages` messages, then until the
     * forward sink's stored position of each partition sits exactly at its end: every event
     * applied, none skipped. Returns the ends. Each wait lasts as long as its count keeps growing
     * and fails after `stallMs` without growth: on two loaded cores Debezium and the sink can
     * take minutes over a long stream, and only a stream that stopped is a failure.
     */
    async waitApplied(table: string, messages: number, stallMs = 30_000) {
      const topic = debeziumTopic(prefix, legacyTable(table));
      const ends = await waitWhileProgressing(
        `${messages} messages in ${topic}`,
        async () => {
          const e = await fixture.topicEnds(table);
          const total = messageCount(e);
          if (total > messages)
            throw new Error(`${total} messages in ${topic}, more than ${messages}`);
          return { done: total === messages && e, progress: total };
        },
        { stallMs },
      );
      await waitWhileProgressing(
        `stored positions at the end of every partition of ${topic}`,
        async () => {
          const stored = (await fixture.storedPositions(fixture.group('forward'))).filter(
            (s) => s.topic === topic,
          );
          const atEnd = [...ends].every(
            ([partition, high]) =>
              high === 0n ||
              stored.some((s) => s.partition === partition && s.nextOffset === String(high)),
          );
          const applied = stored.reduce((sum, s) => sum + Number(s.nextOffset), 0);
          return { done: atEnd, progress: applied };
        },
        { stallMs },
      );
      return ends;
    },
    /** The dead-letter topic read from its start until it holds `count` letters: their headers. */
    async deadLetters(count: number, timeoutMs = 60_000) {
      const letters: { reason: string; topic: string; partition: string; offset: string }[] = [];
      const consumer = kafka.consumer({
        groupId: `dlq-reader-${id}-${randomBytes(2).toString('hex')}`,
      });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: fixture.dlqTopic, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ message }) => {
            const h = (name: string) => String(message.headers?.[name] ?? '');
            letters.push({
              reason: h(DEAD_LETTER_HEADERS.reason),
              topic: h(DEAD_LETTER_HEADERS.sourceTopic),
              partition: h(DEAD_LETTER_HEADERS.sourcePartition),
              offset: h(DEAD_LETTER_HEADERS.sourceOffset),
            });
          },
        });
        await waitFor(`${count} dead letters`, async () => letters.length >= count, { timeoutMs });
        return letters;
      } finally {
        await consumer.disconnect();
      }
    },
    /** `ficus sync` as a child process would be started on this fixture: node's args and env. */
    syncCommand(direction: Direction, metricsPort: number, extraArgs: string[] = []) {
      const args = [
        path.join(REPO_ROOT, 'bin', 'ficus.js'),
        'sync',
        service,
        '--direction',
        direction,
        '--topic-prefix',
        fixture.topicPrefix(direction),
        '--group',
        fixture.group(direction),
        '--metrics-port',
        String(metricsPort),
        ...extraArgs,
      ];
      return { args, env: { ...process.env, FICUS_CONFIG: configPath } };
    },
    /**
     * Edits the plan file as a team changing its mapping would (the raw YAML, `services.<name>`
     * of the fixture's service handed to `edit`); returns the plan as loaded from it now.
     */
    editPlan(edit: (service: Record<string, unknown>) => void): Plan {
      const raw = YAML.parse(fs.readFileSync(planPath, 'utf8')) as {
        services: Record<string, Record<string, unknown>>;
      };
      edit(raw.services[service]);
      fs.writeFileSync(planPath, YAML.stringify(raw));
      return loadPlan(planPath);
    },
    /**
     * `ficus verify`'s consistent point on the forward connector: the legacy WAL position, the
     * connector past it (through ficus's heartbeat row: start the connector with
     * `fixture.heartbeatTable` among its tables), the sink at the topics' ends. Makes the
     * heartbeat table in the legacy DB.
     */
    async forwardConsistency(
      legacy: pg.Pool,
      serviceDb: pg.Pool,
      kafkaAdmin: Admin,
    ): Promise<WaitForConsistentPoint> {
      return consistencyOf('forward', legacy, serviceDb, kafkaAdmin);
    },
    /**
     * The same on the reverse connector (after `live`): the service DB's WAL position, the reverse
     * connector past it (start it with `fixture.heartbeatTable` among its tables), the reverse sink
     * at its topics' ends in the legacy DB. Makes the heartbeat table in the service DB.
     */
    async reverseConsistency(
      serviceDb: pg.Pool,
      legacy: pg.Pool,
      kafkaAdmin: Admin,
    ): Promise<WaitForConsistentPoint> {
      return consistencyOf('reverse', serviceDb, legacy, kafkaAdmin);
    },
    /** ficus's heartbeat table, for a connector's `table.include.list` (forwardConsistency) */
    heartbeatTable: 'ficus_cdc.heartbeat',
    workerOptions(direction: Direction, extra: Partial<SinkWorkerOptions> = {}): SinkWorkerOptions {
      return {
        service,
        direction,
        plan,
        brokers: [urls.kafkaBootstrap],
        legacyUrl: fixture.legacyUrl,
        serviceUrl: fixture.serviceUrl,
        groupId: fixture.group(direction),
        topicPrefix: fixture.topicPrefix(direction),
        dlqTopic: fixture.dlqTopic,
        retry: FAST_RETRY,
        lagIntervalMs: 300,
        ...extra,
      };
    },
    /**
     * The worker as `ficus sync <service> --direction <direction>` wires it, through the command's
     * own function (cdc/sink/sync-worker-hooks.ts) on the fixture's configuration: column changes
     * recorded in and pauses read from the kit DB, the plan file read again, the back-fill after
     * a schema change at the consistent point given (forwardConsistency, reverseConsistency),
     * recorded as the command's actor, the initial copy's settings and progress record. Only the
     * plan is looked at every 500 ms instead of 2 s, so that the suites wait less.
     */
    syncWorkerOptions(
      direction: Direction,
      connections: BackfillConnections & { kit: pg.Pool },
      extra: Partial<SinkWorkerOptions> = {},
    ): SinkWorkerOptions {
      const { kit: kitPool, ...backfill } = connections;
      return fixture.workerOptions(direction, {
        ...syncWorkerHooks({
          service,
          direction,
          config: loadConfig({ file: configPath }),
          kit: kitPool,
          backfill,
        }),
        reloadIntervalMs: 500,
        ...extra,
      });
    },
    /**
     * a Debezium connector on the legacy DB (forward) or the service DB (reverse); returns once it
     * streams (its slot turns active only after the initial snapshot), or with
     * `{ awaitStreaming: false }` as soon as its task runs, while the snapshot may still be going;
     * `{ instance }` starts a further connector of the direction, with a name, slot and topic
     * prefix of its own (a bench that snapshots the same tables twice)
     */
    async startConnector(
      direction: Direction,
      extraConfig: Record<string, string> = {},
      options: { awaitStreaming?: boolean; instance?: string } = {},
    ) {
      const forward = direction === 'forward';
      const { instance } = options;
      const name = `sink-test-${id}-${direction}${instance ? `-${instance}` : ''}`;
      const slot = fixture.slot(direction, instance);
      const created = await connect('PUT', `/connectors/${name}/config`, {
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        'database.hostname': '127.0.0.1',
        'database.port': String(
          forward ? config.ports.legacyPostgres : config.ports.servicesPostgres,
        ),
        'database.user': config.adminUser,
        'database.password': urls.adminPassword,
        'database.dbname': forward ? legacyDb : serviceDb,
        'topic.prefix': fixture.topicPrefix(direction, instance),
        'plugin.name': 'pgoutput',
        'slot.name': slot,
        'publication.name': slot,
        'publication.autocreate.mode': 'filtered',
        'table.include.list': (forward ? captured : capturedReverse).join(','),
        // how ficus's own connectors write values, which the sink decodes
        ...VALUE_HANDLING,
        'skipped.operations': 'none',
        'snapshot.mode': 'initial',
        'heartbeat.interval.ms': '1000',
        ...extraConfig,
      });
      if (![200, 201].includes(created.status))
        throw new Error(`connector ${name}: ${JSON.stringify(created.body)}`);
      connectors.push({
        name,
        slot,
        url: forward ? urls.legacyAdmin('postgres') : urls.servicesAdmin('postgres'),
      });
      await waitFor(
        `connector ${name} running`,
        async () => {
          const { body } = await connect('GET', `/connectors/${name}/status`);
          const status = body as {
            connector?: { state: string };
            tasks?: { state: string; trace?: string }[];
          };
          const failed = status?.tasks?.find((t) => t.state === 'FAILED');
          if (failed) throw new Error(`connector task failed: ${failed.trace?.split('\n')[0]}`);
          return (
            status?.connector?.state === 'RUNNING' &&
            !!status.tasks?.length &&
            status.tasks.every((t) => t.state === 'RUNNING')
          );
        },
        { timeoutMs: 60_000, intervalMs: 300 },
      );
      if (options.awaitStreaming === false) return;
      await waitFor(
        `slot ${slot} active`,
        async () => {
          const { rows } = await sql(
            forward ? urls.legacyAdmin('postgres') : urls.servicesAdmin('postgres'),
            'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
            [slot],
          );
          return rows[0]?.active === true;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    },
    /** source rows through the mapping (computed in the legacy DB) and the service rows, both sorted by key */
    async mappedAndActual(table: string) {
      const mapping = [...plan.services[0].owns, ...plan.services[0].replicates].find(
        (t) => t.source === table,
      )!;
      const [source, target] = [
        sourceTableOf(plan, mapping),
        targetTableOf(plan.services[0], mapping),
      ];
      const compiled = compileTableMapping(
        mapping,
        await describeTable(
          { query: (t: string, p?: unknown[]) => sql(fixture.legacyUrl, t, p) },
          source.schema,
          table,
        ),
        { sourceSchema: source.schema, targetSchema: target.schema },
      );
      const key = quoteIdent(compiled.targetKey[0]);
      // compared as text, so that bigint expressions and integer columns holding the same number agree
      const cols = compiled.targetColumns
        .map((c) => `${quoteIdent(c.name)}::text AS ${quoteIdent(c.name)}`)
        .join(', ');
      const expected = (
        await sql(
          fixture.legacyUrl,
          `SELECT ${cols} FROM (${renderMappedSelect(compiled)}) m ORDER BY ${key}`,
        )
      ).rows;
      const actual = (
        await sql(
          fixture.serviceUrl,
          `SELECT ${cols} FROM ${quoteTable(target.schema, target.table)} ORDER BY ${key}`,
        )
      ).rows;
      return { expected, actual };
    },
    async waitInSync(table: string, timeoutMs = 60_000) {
      return waitFor(
        `${table} in sync`,
        async () => {
          const { expected, actual } = await fixture.mappedAndActual(table);
          if (JSON.stringify(expected) === JSON.stringify(actual)) return { expected, actual };
          const i = expected.findIndex(
            (row, n) => JSON.stringify(row) !== JSON.stringify(actual[n]),
          );
          // the reason shows in the timeout error
          throw new Error(
            `${expected.length} source rows, ${actual.length} target rows; first difference at #${i}: expected ${JSON.stringify(expected[i])}, got ${JSON.stringify(actual[i])}`,
          );
        },
        { timeoutMs, intervalMs: 250 },
      );
    },
    /**
     * `ficus verify`'s parity check (verifyService) of every table the service owns or replicates,
     * on the fixture's plan and databases, as of now: call it once the sink has caught up. No kit
     * DB (the run is neither recorded nor resumable; the comparison is the same).
     */
    async verify() {
      const legacy = openVerifyPool(fixture.legacyUrl);
      const serviceDb = openVerifyPool(fixture.serviceUrl);
      try {
        return (await verifyService({ plan, service, legacy, serviceDb })).report;
      } finally {
        await Promise.all([legacy.end(), serviceDb.end()]);
      }
    },
    /** what `verify()` reports when products (and stock, for inventory) match row for row */
    cleanReport(productRows: number, stockRows = 0): VerifyReport {
      return {
        service,
        clean: true,
        tables: [
          cleanParity('products', 'products', productRows),
          cleanParity('inventory', 'stock_levels', stockRows),
        ],
      };
    },
    /** Deletes a connector startConnector started, and drops its slot once released. */
    async stopConnector(direction: Direction, instance?: string) {
      const slot = fixture.slot(direction, instance);
      const started = connectors.findIndex((c) => c.slot === slot);
      if (started < 0) return;
      await removeConnector(connectors[started]);
      connectors.splice(started, 1);
    },
    async dispose() {
      for (const c of connectors) await removeConnector(c);
      // every drop is attempted even when one fails (a slot still held by a slow connector stop)
      const problems: string[] = [];
      const drop = (url: string, db: string) =>
        sql(url, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch((e: Error) =>
          problems.push(`${db}: ${e.message}`),
        );
      await drop(urls.legacyAdmin('postgres'), legacyDb);
      await drop(urls.servicesAdmin('postgres'), serviceDb);
      await drop(urls.servicesAdmin('postgres'), `${serviceDb}o`);
      await kit.drop().catch((e: Error) => problems.push(`${kit.name}: ${e.message}`));
      const a = await connectedAdmin();
      const topics = (await a.listTopics()).filter(
        (t) => t.startsWith(prefix) || t === fixture.dlqTopic || t.includes(id),
      );
      if (topics.length) await a.deleteTopics({ topics }).catch(() => undefined);
      await a.disconnect();
      fs.rmSync(path.dirname(planPath), { recursive: true, force: true });
      if (problems.length) throw new Error(`cleanup left databases behind: ${problems.join('; ')}`);
    },
  };
  return fixture;
}
