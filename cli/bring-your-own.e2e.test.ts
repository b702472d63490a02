/**
 * ficus pointed at a database it did not create, as a new user would: a PostgreSQL cluster of
 * the test's own (a DBA's: superuser `dba`, a random port, reached as `localhost`), set up with
 * the roles and grants docs/bring-your-own-monolith.md asks a DBA for (no superuser for ficus,
 * a replication role for Debezium, an owner role per service). The installed package runs in a
 * project outside the repository with a configuration file only (no FICUS_* variables):
 * `init --from`, `migrate kit`, a service's migrations, `connectors apply`, a `sync` worker,
 * changes on the legacy tables, `verify --json`, `connectors delete --drop-slot`. Kafka and
 * Connect are the embedded stack's. Then nothing in the cluster may have changed but what the
 * migration needs; and `ficus stack up` pointed at that cluster must refuse and change nothing.
 */
import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../lib/config/index.ts';
import { PACKAGE_ROOT } from '../lib/package-paths.ts';
import { loadPlan, parsePlan } from '../plan/load-plan.ts';
import { createKafkaAdmin } from '../cdc/kafka/kafka-clients.ts';
import {
  aclEntries,
  freePort,
  snapshotChanges,
  startForeignCluster,
  type ForeignCluster,
  type Snapshot,
  type SnapshotChange,
} from '../test-support/foreign-cluster.ts';
import {
  command,
  installedFicus,
  nodeForInstalledTests,
  type InstalledFicus,
  type RunOptions,
} from '../test-support/packed-ficus.ts';
import { stackFicusConfig } from '../test-support/stack-access.ts';
import { commentedEntries, fillInService } from '../test-support/fill-in-plan.ts';

const suffix = crypto.randomBytes(3).toString('hex');
/** unique per run: Kafka topics, connector and slot names follow the service's name */
const SERVICE = `billing_${suffix}`;
const DATABASES = ['postgres', 'app', 'billing', 'ficus_kit'];
const password = () => crypto.randomBytes(9).toString('base64url');
const secrets = {
  appOwner: password(),
  ficus: password(),
  cdc: password(),
  billing: password(),
  kit: password(),
};

let pgc: ForeignCluster;
let ficus: InstalledFicus;
let project: string;
let options: RunOptions;
let before: Snapshot;

/** What a DBA runs, as the cluster's superuser: roles, databases, grants; and the app's schema. */
async function setUpAsTheDba(): Promise<void> {
  const q = (text: string) => pgc.sql('postgres', text);
  await q(`CREATE ROLE app_owner LOGIN PASSWORD '${secrets.appOwner}'`);
  await q('CREATE DATABASE app OWNER app_owner');
  // ficus's role on the legacy DB: a member of the tables' owner, nothing more
  await q(`CREATE ROLE ficus LOGIN PASSWORD '${secrets.ficus}' IN ROLE app_owner`);
  // Debezium's: may replicate, owns nothing, reads what ficus grants it
  await q(`CREATE ROLE app_cdc LOGIN REPLICATION PASSWORD '${secrets.cdc}'`);
  // a service's database, owned by the role the service and its sink log in as
  await q(`CREATE ROLE billing_owner LOGIN PASSWORD '${secrets.billing}'`);
  await q('CREATE DATABASE billing OWNER billing_owner');
  await q('GRANT SET ON PARAMETER session_replication_role TO billing_owner');
  await q(`CREATE ROLE kit_owner LOGIN PASSWORD '${secrets.kit}'`);
  await q('CREATE DATABASE ficus_kit OWNER kit_owner');
  await pgc.sql(
    'app',
    `SET ROLE app_owner;
     CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text);
     CREATE TABLE notes (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers (id),
                         body text, updated_at timestamptz NOT NULL DEFAULT now());
     INSERT INTO customers (name, email) SELECT 'customer ' || i, 'c' || i || '@example.com'
       FROM generate_series(1, 20) i;
     INSERT INTO notes (id, customer_id, body) SELECT i, 1 + i % 20, 'note ' || i
       FROM generate_series(1, 30) i;`,
  );
}

const PLAN = () => `version: 1
legacy: { database: app, schema: public }
services:
  ${SERVICE}:
    database: billing
    owns:
      - { source: customers, target: customers, key: [id] }
    replicates:
      - source: notes
        target: customer_notes
        key: [id]
        columns: { id: id, customer_id: customer_id, body: text }
        drop: [updated_at]
`;

const MIGRATION = `exports.up = async (knex) => {
  await knex.schema.createTable('customers', (t) => {
    t.integer('id').primary();
    t.text('name').notNullable();
    t.text('email');
  });
  await knex.schema.createTable('customer_notes', (t) => {
    t.bigInteger('id').primary();
    t.integer('customer_id').notNullable();
    t.text('text');
  });
};
exports.down = async (knex) => {
  await knex.schema.dropTable('customer_notes');
  await knex.schema.dropTable('customers');
};
`;

/** The user's project: configuration, plan, a service's migrations, password files. */
function writeProject(): void {
  const stack = stackFicusConfig();
  const at = (database: string, user: string) =>
    `postgres://${user}@localhost:${pgc.port}/${database}`;
  const cdc = {
    host: 'localhost',
    port: pgc.port,
    user: 'app_cdc',
    password: { file: 'secrets/cdc' },
  };
  const config = {
    plan: 'ficus.plan.yaml',
    legacy: { url: at('app', 'ficus'), password: { env: 'APP_FICUS_PASSWORD' }, connect: cdc },
    kit: { url: at('ficus_kit', 'kit_owner'), password: { file: 'secrets/kit' } },
    services: {
      [SERVICE]: {
        database: {
          url: at('billing', 'billing_owner'),
          password: { env: 'BILLING_PASSWORD' },
          connect: cdc,
        },
        migrations: 'migrations/billing',
      },
    },
    kafka: { brokers: stack.kafka.brokers },
    connect: { url: stack.connect.url },
    unleash: { url: stack.unleash.url },
  };
  fs.mkdirSync(path.join(project, 'secrets'), { recursive: true });
  fs.writeFileSync(path.join(project, 'secrets/cdc'), `${secrets.cdc}\n`);
  fs.writeFileSync(path.join(project, 'secrets/kit'), `${secrets.kit}\n`);
  fs.writeFileSync(path.join(project, 'ficus.config.yaml'), YAML.stringify(config));
  fs.writeFileSync(path.join(project, 'ficus.plan.yaml'), PLAN());
  fs.mkdirSync(path.join(project, 'migrations/billing'), { recursive: true });
  fs.writeFileSync(path.join(project, 'migrations/billing/20250101_billing.js'), MIGRATION);
}

async function ficusOk(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = await ficus.run(args, {
    ...options,
    env: { ...options.env, ...env },
    timeoutMs: 240_000,
  });
  if (result.code !== 0)
    throw new Error(
      `ficus ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`,
    );
  return result;
}

beforeAll(async () => {
  const [installed, { node }, cluster] = await Promise.all([
    installedFicus(),
    nodeForInstalledTests(),
    startForeignCluster(),
  ]);
  ficus = installed;
  pgc = cluster;
  await setUpAsTheDba();
  before = await pgc.snapshot(DATABASES);
  project = fs.mkdtempSync(path.join(ficus.projectDir, 'byo-'));
  options = {
    node,
    cwd: project,
    withoutFicusVariables: true,
    env: { APP_FICUS_PASSWORD: secrets.ficus, BILLING_PASSWORD: secrets.billing },
  };
  console.log(`foreign cluster on localhost:${pgc.port}, project ${project}, service ${SERVICE}`);
}, 300_000);

afterAll(async () => {
  pgc?.stop();
  if (project) fs.rmSync(project, { recursive: true, force: true });
  const admin = createKafkaAdmin({
    brokers: stackFicusConfig().kafka.brokers,
    clientId: 'byo-cleanup',
  });
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.includes(SERVICE));
  if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
}, 60_000);

test('ficus init --from writes a configuration and a plan from the live schema, without the password', async () => {
  const dir = fs.mkdtempSync(path.join(ficus.projectDir, 'init-'));
  try {
    const from = pgc.url('app', 'ficus', secrets.ficus);
    const run = (args: string[]) => ficus.run(args, { ...options, cwd: dir });
    const first = await run(['init', '--from', from]);
    expect({ code: first.code, stderr: first.code ? first.stderr : '' }).toEqual({
      code: 0,
      stderr: '',
    });
    const again = await run(['init', '--from', from]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exist.*--force/);
    expect((await run(['init', '--from', from, '--force'])).code).toBe(0);

    const files = ['ficus.config.yaml', 'ficus.plan.yaml'].map((f) => path.join(dir, f));
    for (const file of files) expect(fs.readFileSync(file, 'utf8')).not.toContain(secrets.ficus);
    const config = loadConfig({
      cwd: dir,
      env: { FICUS_LEGACY_PASSWORD: 'x', FICUS_CDC_PASSWORD: 'y', FICUS_KIT_PASSWORD: 'z' },
    });
    expect(config.legacy.database).toMatchObject({
      host: 'localhost',
      port: pgc.port,
      database: 'app',
      user: 'ficus',
    });
    const planText = fs.readFileSync(config.planFile, 'utf8');
    expect(loadPlan(config.planFile).legacy).toEqual({ database: 'app', schema: 'public' });
    expect([...commentedEntries(planText).values()]).toEqual([
      { source: 'customers', target: 'customers', key: ['id'] },
      { source: 'notes', target: 'notes', key: ['id'] },
    ]);
    expect(planText).toMatch(/^# {3}referenced by: public\.notes \(customer_id\)$/m);
    // what the comments ask for: a service filled in from the entries is a valid plan
    const filled = fillInService(planText, {
      name: 'billing',
      database: 'billing',
      owns: ['customers'],
      replicates: ['notes'],
    });
    const service = parsePlan(filled, 'ficus.plan.yaml').services[0];
    expect([service.owns, service.replicates].map((ts) => ts.map((t) => t.source))).toEqual([
      ['customers'],
      ['notes'],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

describe('the installed package on a database it did not create', () => {
  let worker: ChildProcess | undefined;
  let workerOutput = '';

  /** SIGTERM to the worker's process group, as a supervisor stops it; SIGKILL after 20 s. */
  async function stopWorker(): Promise<void> {
    const child = worker;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise((resolve) => child.once('close', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 20_000);
    await closed;
    clearTimeout(timer);
  }

  afterAll(stopWorker, 30_000);

  test('migrate, connectors apply, sync, changes, verify clean, connectors delete; nothing else changed', async () => {
    writeProject();
    await ficusOk(['migrate', 'kit']);
    await ficusOk(['migrate', SERVICE]);
    await ficusOk(['connectors', 'apply', SERVICE]);

    worker = ficus.start(
      ['sync', SERVICE, '--metrics-port', String(await freePort()), '--progress-interval', '2000'],
      options,
    );
    worker.stdout!.on('data', (d: Buffer) => (workerOutput += d.toString()));
    worker.stderr!.on('data', (d: Buffer) => (workerOutput += d.toString()));

    await pgc.sql(
      'app',
      `SET ROLE app_owner;
       INSERT INTO customers (name, email) VALUES ('new customer', 'new@example.com');
       UPDATE customers SET email = 'changed@example.com' WHERE id IN (2, 3);
       DELETE FROM notes WHERE id IN (4, 5, 6);
       UPDATE notes SET body = 'edited' WHERE id = 7;
       INSERT INTO notes (id, customer_id, body) VALUES (100, 21, 'for the new customer');`,
    );
    const verify = await ficus.run(['verify', SERVICE, '--json'], {
      ...options,
      timeoutMs: 240_000,
    });
    const report = JSON.parse(verify.stdout || '{}') as {
      clean?: boolean;
      tables?: { rows: number }[];
    };
    expect({
      code: verify.code,
      clean: report.clean,
      stderr: verify.code ? verify.stderr : '',
      worker: verify.code ? workerOutput : '',
    }).toEqual({
      code: 0,
      clean: true,
      stderr: '',
      worker: '',
    });
    expect(report.tables?.map((t) => t.rows)).toEqual([21, 28]);

    // while the connector runs: its publication and slot besides what stays
    const during = snapshotChanges(before, await pgc.snapshot(DATABASES)).filter(
      (c) => !allowed(c),
    );
    expect(during.map((c) => [c.key.replace(/:[^:]*$/, ''), !c.before && !!c.after])).toEqual([
      ['app:publication', true],
      ['slot', true],
    ]);

    await stopWorker();
    await ficusOk(['connectors', 'delete', SERVICE, '--drop-slot']);

    const unexpected = snapshotChanges(before, await pgc.snapshot(DATABASES)).filter(
      (c) => !allowed(c),
    );
    if (unexpected.length) console.log(`unexpected changes:\n${YAML.stringify(unexpected)}`);
    expect(unexpected).toEqual([]);
  }, 420_000);

  test('a database that cannot be reached is named with its key, address and file, not a raw ECONNREFUSED', async () => {
    const closed = await freePort();
    const document = YAML.parse(fs.readFileSync(path.join(project, 'ficus.config.yaml'), 'utf8'));
    document.legacy.url = `postgres://ficus@localhost:${closed}/app`;
    fs.writeFileSync(path.join(project, 'broken.config.yaml'), YAML.stringify(document));
    const result = await ficus.run(['--config', 'broken.config.yaml', 'verify', SERVICE], options);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `legacy.url (postgres://ficus:***@localhost:${closed}/app, from broken.config.yaml): ` +
        'connection refused — is the database running and reachable from here?',
    );
    expect(result.stderr).not.toContain(secrets.ficus);
  });

  test('`ficus stack up` pointed at the cluster refuses, naming the port, and changes nothing', async () => {
    const home = fs.mkdtempSync(path.join(ficus.projectDir, 'stack-home-'));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^FICUS_(PORT_|HOME|CONFIG|PLAN)/.test(name)),
    );
    try {
      const result = await command(
        path.join(PACKAGE_ROOT, 'node_modules/.bin/node'),
        [path.join(PACKAGE_ROOT, 'bin/ficus.js'), 'stack', 'up'],
        {
          cwd: PACKAGE_ROOT,
          env: {
            ...env,
            FICUS_HOME: home,
            FICUS_PORT_LEGACY_POSTGRES: String(pgc.port),
            FICUS_PORT_SERVICES_POSTGRES: String(pgc.port),
          },
          timeoutMs: 180_000,
        },
      );
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(
        new RegExp(`port ${pgc.port} is taken by a server ficus did not start`),
      );
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
    const unexpected = snapshotChanges(before, await pgc.snapshot(DATABASES)).filter(
      (c) => !allowed(c),
    );
    expect(unexpected).toEqual([]);
  }, 200_000);
});

/**
 * What the migration may change (docs/decisions/0008-least-privilege.md): in the legacy DB the
 * kit schema with its heartbeat and signal tables (read and written by Debezium's role), read
 * grants to Debezium's role and REPLICA IDENTITY on the captured tables, the publication and the
 * slot while the connector exists; in the service DB and the kit DB, tables their owner made
 * (the service's migrations and the sink's bookkeeping; the kit's migrations).
 */
function allowed(change: SnapshotChange): boolean {
  const { key } = change;
  const before = change.before as
    { owner?: string; acl?: unknown; relreplident?: string } | undefined;
  const after = change.after as typeof before;
  const onlyGrantsTo = (role: string, privileges: RegExp) => {
    const old = new Set(aclEntries(before?.acl).map((e) => `${e.grantee}=${e.privileges}`));
    return aclEntries(after?.acl)
      .filter((e) => !old.has(`${e.grantee}=${e.privileges}`))
      .every(
        (e) => (e.grantee === role && privileges.test(e.privileges)) || e.grantee === before?.owner,
      );
  };
  if (key === 'app:schema:ficus_cdc' || key.startsWith('app:relation:ficus_cdc.'))
    return !before && aclEntries(after?.acl).every((e) => ['ficus', 'app_cdc'].includes(e.grantee));
  if (key === 'app:schema:public') return !!before && !!after && onlyGrantsTo('app_cdc', /^U$/);
  if (/^app:relation:public\.(customers|notes)$/.test(key))
    return (
      !!before &&
      !!after &&
      onlyGrantsTo('app_cdc', /^r$/) &&
      JSON.stringify({ ...before, acl: null, relreplident: null }) ===
        JSON.stringify({ ...after, acl: null, relreplident: null })
    );
  if (/^billing:(relation|schema):/.test(key)) return !before && after?.owner === 'billing_owner';
  if (/^ficus_kit:(relation|schema):/.test(key)) return !before && after?.owner === 'kit_owner';
  return false;
}
