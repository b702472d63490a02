/**
 * Proof that the CDC chain is real: a row written to a database on the legacy cluster arrives
 * as a Debezium change event, read with kafkajs from the topic the connector writes.
 */
import { randomBytes } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import pg from 'pg';
import { waitFor } from '../lib/wait.ts';
import { stackConfig, stackUrls } from '../test-support/stack-access.ts';
import { createKafkaClient } from '../cdc/kafka/kafka-clients.ts';

const config = stackConfig();
const urls = stackUrls();
const id = randomBytes(4).toString('hex');
const database = `chain_${id}`;
const connector = `chain-test-${id}`;
const prefix = `chaintest_${id}`;
const slot = `chain_${id}`;

async function sql(db: string, text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: urls.legacyAdmin(db) });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

async function connectRequest(method: string, path: string, body?: unknown) {
  const response = await fetch(`${urls.connect}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

let consumer: Consumer;

beforeAll(async () => {
  await sql('postgres', `CREATE DATABASE ${database}`);
  await sql(
    database,
    'CREATE TABLE widgets (id bigint PRIMARY KEY, name text NOT NULL, price numeric(10,2))',
  );
});

afterAll(async () => {
  await consumer?.disconnect();
  await connectRequest('DELETE', `/connectors/${connector}`);
  await waitFor(
    'the connector to release its slot',
    async () => {
      const { rows } = await sql(
        'postgres',
        'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      );
      return rows.length === 0 || rows[0].active === false;
    },
    { timeoutMs: 30_000 },
  );
  await sql(
    'postgres',
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  await sql('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

test('a row inserted into the legacy DB arrives in Kafka as a Debezium create event', async () => {
  const created = await connectRequest('PUT', `/connectors/${connector}/config`, {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': '127.0.0.1',
    'database.port': String(config.ports.legacyPostgres),
    'database.user': config.adminUser,
    'database.password': urls.adminPassword,
    'database.dbname': database,
    'topic.prefix': prefix,
    'plugin.name': 'pgoutput',
    'slot.name': slot,
    'publication.name': `pub_${id}`,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': 'public.widgets',
    'decimal.handling.mode': 'string',
    'snapshot.mode': 'no_data',
  });
  expect([200, 201]).toContain(created.status);
  await waitFor(
    'the connector task to run',
    async () => {
      const { body } = await connectRequest('GET', `/connectors/${connector}/status`);
      const status = body as {
        connector: { state: string };
        tasks: { state: string; trace?: string }[];
      };
      const failed = status.tasks?.find((t) => t.state === 'FAILED');
      if (failed) throw new Error(`connector task failed: ${failed.trace?.split('\n')[0]}`);
      return (
        status.connector?.state === 'RUNNING' &&
        status.tasks.length > 0 &&
        status.tasks.every((t) => t.state === 'RUNNING')
      );
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  // The slot exists once streaming has begun; a write after that is captured.
  await waitFor(
    'the replication slot to be active',
    async () => {
      const { rows } = await sql(
        'postgres',
        'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      );
      return rows[0]?.active === true;
    },
    { timeoutMs: 30_000 },
  );

  await sql(database, "INSERT INTO widgets VALUES (42, 'sprocket', 12.50)");

  const kafka = createKafkaClient({
    brokers: [urls.kafkaBootstrap],
    clientId: `chain-${id}`,
  });
  const topic = `${prefix}.public.widgets`;
  const admin = kafka.admin();
  await admin.connect();
  // Debezium creates the topic with its first event.
  await waitFor(`topic ${topic}`, async () => (await admin.listTopics()).includes(topic), {
    timeoutMs: 60_000,
  });
  await admin.disconnect();
  consumer = kafka.consumer({ groupId: `chain-${id}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const event = await new Promise<{ key: unknown; value: { payload: Record<string, unknown> } }>(
    (resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no change event within 60 s')), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve({
            key: JSON.parse(String(message.key)),
            value: JSON.parse(String(message.value)),
          });
        },
      });
    },
  );

  const payload = event.value.payload as {
    op: string;
    after: Record<string, unknown>;
    source: Record<string, unknown>;
  };
  expect(payload.op).toBe('c');
  expect(payload.after).toEqual({ id: 42, name: 'sprocket', price: '12.50' });
  expect(payload.source).toMatchObject({ connector: 'postgresql', db: database, table: 'widgets' });
  expect(Number(payload.source.lsn)).toBeGreaterThan(0);
  expect(event.key).toMatchObject({ payload: { id: 42 } });
});
