import crypto from 'node:crypto';
import pg from 'pg';
import { stackConfig, stackUrls } from '../../test-support/stack-access.ts';
import { parsePlan } from '../../plan/load-plan.ts';
import { ConnectError, createConnectClient } from './connect-client.ts';
import { applyConnector, waitUntilRunning } from './apply-connector.ts';
import { sourceConnectorSpec, topicOf } from './source-config.ts';
import { dropSlotAndPublication, slotState } from './source-database.ts';
import { BOOKKEEPING_DDL } from '../sink/sync-tables.ts';
import { SinkBehindError, sinkConsistency } from '../verify/consistent-point.ts';
import { createKafkaAdmin, createKafkaClient } from '../kafka/kafka-clients.ts';

const config = stackConfig();
const urls = stackUrls();
const connect = createConnectClient({ url: urls.connect });
const suffix = crypto.randomBytes(4).toString('hex');
const dbName = `ficus_conn_${suffix}`;
const prefix = `t${suffix}`;
const admin = new pg.Client({ connectionString: urls.legacyAdmin('postgres') });
let db: pg.Client;

const plan = parsePlan(
  `version: 1
legacy: { database: ${dbName} }
services:
  svc:
    database: svc_${suffix}
    # this suite follows Debezium's own snapshot (the copy's path: cdc/copy/initial-copy.e2e)
    initialLoad: debezium-snapshot
    owns:
      - { source: items, target: items, key: [id] }
    replicates:
      - { source: tags, target: tags, key: [name] }
`,
  'test.plan.yaml',
);
const spec = sourceConnectorSpec(plan, plan.services[0], 'forward', {
  endpoint: {
    host: '127.0.0.1',
    port: config.ports.legacyPostgres,
    user: config.adminUser,
    password: urls.adminPassword,
    database: dbName,
  },
  prefix,
  heartbeatIntervalMs: 1000,
});

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  db = new pg.Client({ connectionString: urls.legacyAdmin(dbName) });
  await db.connect();
  await db.query(`CREATE TABLE items (id bigint PRIMARY KEY, name text, price numeric(12,2));
    INSERT INTO items VALUES (1, 'a', 1.50), (2, 'b', 2.00), (3, 'c', 0.99);
    CREATE TABLE tags (id serial PRIMARY KEY, name text UNIQUE NOT NULL);`);
});

afterAll(async () => {
  await connect.delete(spec.name).catch(() => undefined);
  await dropSlotAndPublication(db, spec).catch(() => undefined);
  await db.end();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
});

describe('Connect client', () => {
  it('talks to the real Connect and reports errors with status and retriability', async () => {
    expect((await connect.info()).version).toMatch(/^\d+\./);
    expect((await connect.plugins()).map((p) => p.class)).toContain(
      'io.debezium.connector.postgresql.PostgresConnector',
    );
    const missing = await connect.status(`nope-${suffix}`).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConnectError);
    expect((missing as ConnectError).httpStatus).toBe(404);
    expect((missing as ConnectError).retriable).toBe(false);
    expect(await connect.findStatus(`nope-${suffix}`)).toBeUndefined();
  });

  it('rejects an invalid config with a 400 naming the problem', async () => {
    const bad = { ...spec.config, 'database.password': 'wrong' };
    const error = await connect.put(`${spec.name}-bad`, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).httpStatus).toBe(400);
    expect((error as ConnectError).message).toMatch(/password|authentication/i);
  });
});

describe('applyConnector', () => {
  it('creates the connector, which streams snapshot and live changes with schemas', async () => {
    const first = await applyConnector(spec, { connect, sourceDb: db });
    expect(first.created).toBe(true);
    // idempotent: a second apply updates, and is still RUNNING
    const second = await applyConnector(spec, { connect, sourceDb: db });
    expect(second.created).toBe(false);
    const identity = await db.query(
      `SELECT relname, relreplident FROM pg_class WHERE relname IN ('items', 'tags') ORDER BY relname`,
    );
    expect(identity.rows).toEqual([
      { relname: 'items', relreplident: 'd' },
      { relname: 'tags', relreplident: 'f' }, // plan key `name` is not the primary key
    ]);
    await db.query(`INSERT INTO items VALUES (4, 'd', 10.00)`);

    const kafka = createKafkaClient({
      brokers: [urls.kafkaBootstrap],
      clientId: `test-${suffix}`,
    });
    const consumer = kafka.consumer({ groupId: `test-${suffix}` });
    const seen: { op: string; id: number; price: string; hasSchema: boolean }[] = [];
    const topic = topicOf(spec, { schema: 'public', table: 'items' });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    await poll(async () => (await kafkaAdmin.listTopics()).includes(topic), true, 60_000);
    await kafkaAdmin.disconnect();
    await consumer.connect();
    try {
      await consumer.subscribe({
        topic: topicOf(spec, { schema: 'public', table: 'items' }),
        fromBeginning: true,
      });
      const done = new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) => {
            const value = JSON.parse(message.value!.toString());
            seen.push({
              op: value.payload.op,
              id: value.payload.after.id,
              price: value.payload.after.price,
              hasSchema: !!value.schema,
            });
            if (seen.length === 4) resolve();
          },
        });
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`only ${seen.length} events`)), 60_000)),
      );
      await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
    } finally {
      await consumer.disconnect();
    }
    // the topic may have several partitions: order holds per key, not across keys
    seen.sort((a, b) => a.id - b.id);
    expect(seen.slice(0, 3).map((e) => [e.op, e.id, e.price])).toEqual([
      ['r', 1, '1.50'],
      ['r', 2, '2.00'],
      ['r', 3, '0.99'],
    ]);
    expect(seen[3]).toEqual({ op: 'c', id: 4, price: '10.00', hasSchema: true });
    expect((await slotState(db, spec.slot)).exists).toBe(true);
  }, 120_000);

  it('finds a consistent point once the sink has applied up to the end of the topics', async () => {
    const kafkaAdmin = createKafkaAdmin({
      brokers: [urls.kafkaBootstrap],
      clientId: `test-${suffix}-admin`,
    });
    await kafkaAdmin.connect();
    try {
      // the test DB stands in for the service DB the sink keeps its positions in
      const consistency = sinkConsistency({
        legacy: db,
        service: db,
        connect,
        kafkaAdmin,
        spec,
        timeoutMs: 3000,
      });
      expect(await consistency()).toEqual({
        lsn: null,
        note: expect.stringMatching(/no ficus_sync_offsets/),
      });
      await db.query(BOOKKEEPING_DDL);
      const topic = topicOf(spec, { schema: 'public', table: 'items' });
      const ends = await kafkaAdmin.fetchTopicOffsets(topic);
      const store = (delta: number) =>
        Promise.all(
          ends.map((p) =>
            db.query(
              `INSERT INTO ficus_sync_offsets (consumer_group, topic, partition, next_offset) VALUES ('g', $1, $2, $3)
               ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`,
              [topic, p.partition, Number(p.high) + delta],
            ),
          ),
        );
      await store(-1);
      await expect(consistency()).rejects.toThrow(SinkBehindError);
      await store(0);
      const point = await consistency();
      expect(point.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    } finally {
      await kafkaAdmin.disconnect();
    }
  }, 60_000);

  it('pauses, resumes, stops, reads offsets and deletes', async () => {
    await connect.pause(spec.name);
    await expect(
      poll(async () => (await connect.status(spec.name)).connector.state, 'PAUSED'),
    ).resolves.toBe('PAUSED');
    await connect.resume(spec.name);
    await waitUntilRunning(connect, spec.name);
    await connect.restart(spec.name, { includeTasks: true });
    await waitUntilRunning(connect, spec.name);
    await connect.stop(spec.name);
    await expect(
      poll(async () => (await connect.status(spec.name)).connector.state, 'STOPPED'),
    ).resolves.toBe('STOPPED');
    const offsets = await connect.getOffsets(spec.name);
    expect(offsets.offsets[0].offset).toHaveProperty('lsn');
    await connect.delete(spec.name);
    expect(await poll(async () => await connect.findStatus(spec.name), undefined)).toBeUndefined();
    await dropSlotAndPublication(db, spec);
    expect((await slotState(db, spec.slot)).exists).toBe(false);
    expect(
      (await db.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [spec.publication]))
        .rowCount,
    ).toBe(0);
  }, 120_000);

  it('applied again after its slot was dropped, starts from no offsets and snapshots again', async () => {
    // the offsets of the connector deleted above are still in Connect's offsets topic; resuming
    // from them with a new slot is what Debezium refuses (the connector would FAIL)
    const again = await applyConnector(spec, { connect, sourceDb: db });
    expect(again.created).toBe(true);
    expect((await slotState(db, spec.slot)).exists).toBe(true);
    const kafka = createKafkaClient({
      brokers: [urls.kafkaBootstrap],
      clientId: `test-${suffix}-again`,
    });
    const consumer = kafka.consumer({ groupId: `test-${suffix}-again` });
    const reads: number[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({
        topic: topicOf(spec, { schema: 'public', table: 'items' }),
        fromBeginning: true,
      });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const value = message.value && JSON.parse(message.value.toString());
          if (value?.payload?.op === 'r') reads.push(value.payload.after.id);
        },
      });
      // the rows at the first snapshot (1-3), then all four again at the second one
      await poll(async () => reads.length, 7, 60_000);
      expect(reads.sort()).toEqual([1, 1, 2, 2, 3, 3, 4]);
    } finally {
      await consumer.disconnect();
    }
    await waitUntilRunning(connect, spec.name);
  }, 120_000);
});

async function poll<T>(read: () => Promise<T>, want: T, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value === want || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 300));
  }
}
