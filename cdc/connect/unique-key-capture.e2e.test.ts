/**
 * A legacy table without a primary key, whose plan key is one of its unique keys (and not the
 * first by name, which is the one Debezium would take by itself): `applyConnector` names the plan
 * key to Debezium (`message.key.columns`) and sets REPLICA IDENTITY FULL, so the snapshot, an
 * update and a delete all arrive keyed by the plan key against the real Connect + Debezium. A
 * table with no key at all is refused before anything is created.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { stackConfig, stackUrls } from '../../test-support/stack-access.ts';
import { parsePlan } from '../../plan/load-plan.ts';
import { waitFor } from '../../lib/wait.ts';
import { createConnectClient } from './connect-client.ts';
import { applyConnector } from './apply-connector.ts';
import { sourceConnectorSpec, topicOf } from './source-config.ts';
import { dropSlotAndPublication } from './source-database.ts';
import { SourcePrerequisiteError } from './source-prerequisites.ts';
import { createKafkaClient } from '../kafka/kafka-clients.ts';

const config = stackConfig();
const urls = stackUrls();
const connect = createConnectClient({ url: urls.connect });
const suffix = crypto.randomBytes(4).toString('hex');
const dbName = `ficus_ukey_${suffix}`;
const prefix = `u${suffix}`;
const admin = new pg.Client({ connectionString: urls.legacyAdmin('postgres') });
let db: pg.Client;

const planOf = (tables: string) =>
  parsePlan(
    `version: 1
legacy: { database: ${dbName} }
services:
  svc:
    database: svc_${suffix}
    # the snapshot's events are keyed too: Debezium's own snapshot, not ficus's copy
    initialLoad: debezium-snapshot
    replicates:
${tables}
`,
    'test.plan.yaml',
  );
const plan = planOf('      - { source: tags, target: tags, key: [slug] }');
const specOf = (p: typeof plan) =>
  sourceConnectorSpec(p, p.services[0], 'forward', {
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
const spec = specOf(plan);

beforeAll(async () => {
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  db = new pg.Client({ connectionString: urls.legacyAdmin(dbName) });
  await db.connect();
  await db.query(`CREATE TABLE tags (code text NOT NULL, slug text NOT NULL, note text);
    CREATE UNIQUE INDEX a_tags_code ON tags (code);
    CREATE UNIQUE INDEX b_tags_slug ON tags (slug);
    INSERT INTO tags VALUES ('c1', 's1', 'one'), ('c2', 's2', 'two');
    CREATE TABLE loose (label text, note text);`);
});

afterAll(async () => {
  await connect.delete(spec.name).catch(() => undefined);
  await dropSlotAndPublication(db, spec).catch(() => undefined);
  await db.end();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
});

it('refuses a table with no key before it creates anything', async () => {
  const keyless = planOf('      - { source: loose, target: loose, key: [label] }');
  const error = await applyConnector(specOf(keyless), {
    connect,
    sourceDb: db,
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SourcePrerequisiteError);
  expect((error as Error).message).toContain(
    "public.loose has a key: public.loose has no primary key and no unique key on the plan's key (label, `services.svc.replicates[0].key`)",
  );
  expect((error as Error).message).toContain(
    'fix: ALTER TABLE "public"."loose" ADD PRIMARY KEY ("label");',
  );
  expect(await connect.findStatus(specOf(keyless).name)).toBeUndefined();
  const { rows } = await db.query(
    "SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'ficus_cdc'",
  );
  expect(rows[0].n).toBe(0);
});

it('keys every event of a table without a primary key by the unique key the plan names', async () => {
  await applyConnector(spec, { connect, sourceDb: db, timeoutMs: 90_000 });
  const { rows } = await db.query("SELECT relreplident FROM pg_class WHERE relname = 'tags'");
  expect(rows[0].relreplident).toBe('f');
  await db.query(
    `UPDATE tags SET note = 'changed' WHERE slug = 's1'; DELETE FROM tags WHERE slug = 's2'`,
  );

  const kafka = createKafkaClient({ brokers: [urls.kafkaBootstrap], clientId: `test-${suffix}` });
  const consumer = kafka.consumer({ groupId: `test-${suffix}` });
  const seen: { op: string; key: unknown }[] = [];
  await consumer.connect();
  try {
    const topic = topicOf(spec, { schema: 'public', table: 'tags' });
    await waitFor(
      `topic ${topic}`,
      async () => {
        const kafkaAdmin = kafka.admin();
        await kafkaAdmin.connect();
        try {
          return (await kafkaAdmin.listTopics()).includes(topic);
        } finally {
          await kafkaAdmin.disconnect();
        }
      },
      { timeoutMs: 60_000 },
    );
    await consumer.subscribe({ topic, fromBeginning: true });
    void consumer.run({
      eachMessage: async ({ message }) => {
        if (!message.value) return; // the delete's tombstone
        const value = JSON.parse(message.value.toString());
        seen.push({ op: value.payload.op, key: JSON.parse(message.key!.toString()).payload });
      },
    });
    await waitFor('snapshot, update and delete', async () => seen.length >= 4, {
      timeoutMs: 60_000,
    });
  } finally {
    await consumer.disconnect();
  }
  // without message.key.columns, Debezium would key them by a_tags_code, the first unique index
  expect(seen).toHaveLength(4);
  expect(seen).toEqual(
    expect.arrayContaining([
      { op: 'r', key: { slug: 's1' } },
      { op: 'r', key: { slug: 's2' } },
      { op: 'u', key: { slug: 's1' } },
      { op: 'd', key: { slug: 's2' } },
    ]),
  );
});
