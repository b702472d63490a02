/**
 * Secrets out of sight on the embedded stack: generated, kept in files only the user can read,
 * never printed by `stack status --json`, never returned by Connect's REST API (connector configs
 * name Debezium's password through the worker's file config provider), and no well-known login
 * into Unleash.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { applyConnector } from '../cdc/connect/apply-connector.ts';
import { createConnectClient } from '../cdc/connect/connect-client.ts';
import { sourceConnectorSpec } from '../cdc/connect/source-config.ts';
import { dropSlotAndPublication } from '../cdc/connect/source-database.ts';
import { parsePlan } from '../plan/load-plan.ts';
import { stackConfig, stackFicusConfig, stackUrls } from '../test-support/stack-access.ts';
import { REPO_ROOT } from './stack-config.ts';
import { CDC_ROLE } from './stack-roles.ts';
import { secretsDir } from './stack-secrets.ts';

const run = promisify(execFile);
const config = stackConfig();
const urls = stackUrls();
const secrets = () =>
  fs
    .readdirSync(secretsDir(config.stackDir))
    .filter((name) => !name.endsWith('.properties'))
    .map((name) => fs.readFileSync(path.join(secretsDir(config.stackDir), name), 'utf8').trim());

test('every secret of the stack is generated, long, and readable by the user only', () => {
  const dir = secretsDir(config.stackDir);
  const values = secrets();
  expect(values.length).toBeGreaterThanOrEqual(8);
  for (const name of fs.readdirSync(dir))
    expect(fs.statSync(path.join(dir, name)).mode & 0o077).toBe(0);
  for (const value of values) {
    expect(value.replace(/^[^.]*\./, '').length).toBeGreaterThanOrEqual(20);
    expect(value).not.toMatch(/^(ficus|shop|catalog|orders|unleash)$|ficus-(admin|client)-token/);
  }
  expect(new Set(values).size).toBe(values.length);
});

test('`ficus stack status --json` masks every password and shows none of the secrets', async () => {
  const { stdout } = await run(
    process.execPath,
    [path.join(REPO_ROOT, 'bin', 'ficus.js'), 'stack', 'status', '--json'],
    { cwd: REPO_ROOT },
  );
  const status = JSON.parse(stdout) as { components: Record<string, { url?: string }> };
  expect(status.components['legacy-postgres'].url).toMatch(/^postgres:\/\/ficus:\*\*\*@/);
  for (const value of secrets()) expect(stdout).not.toContain(value);
});

describe("Debezium's password never reaches Connect's REST API", () => {
  const suffix = crypto.randomBytes(4).toString('hex');
  const database = `ficus_secret_${suffix}`;
  const admin = new pg.Client({ connectionString: urls.legacyAdmin('postgres') });
  let db: pg.Client;
  const plan = parsePlan(
    `version: 1\nlegacy: { database: ${database} }\nservices:\n  svc:\n    database: svc_${suffix}\n    owns:\n      - { source: items, target: items, key: [id] }\n`,
    'test.plan.yaml',
  );
  // as the stack's configuration gives Debezium's side: the replication role, the password by reference
  const side = stackFicusConfig().legacy.connectSide;
  const spec = sourceConnectorSpec(plan, plan.services[0], 'forward', {
    endpoint: { ...side, database },
    prefix: `sec${suffix}`,
    heartbeatIntervalMs: 1000,
  });
  const connect = createConnectClient({ url: urls.connect });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    await admin.query(`GRANT CONNECT ON DATABASE ${database} TO ${CDC_ROLE}`);
    db = new pg.Client({ connectionString: urls.legacyAdmin(database) });
    await db.connect();
    await db.query('CREATE TABLE items (id bigint PRIMARY KEY, name text)');
  });

  afterAll(async () => {
    await connect.delete(spec.name).catch(() => undefined);
    await dropSlotAndPublication(db, spec).catch(() => undefined);
    await db.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  });

  test('the connector runs as the replication role, and its config only names the password', async () => {
    expect(side.user).toBe(CDC_ROLE);
    expect(side.passwordReference).toMatch(/^\$\{file:.*:cdc\}$/);
    await applyConnector(spec, { connect, sourceDb: db, timeoutMs: 90_000 });
    const shown = await (await fetch(`${urls.connect}/connectors/${spec.name}`)).text();
    expect(shown).toContain(side.passwordReference);
    expect(shown).not.toContain(side.password);
    const { rows } = await db.query<{ active: boolean; user: string }>(
      `SELECT s.active, r.usename AS user FROM pg_replication_slots s
       LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = $1`,
      [spec.slot],
    );
    expect(rows[0]?.user ?? CDC_ROLE).toBe(CDC_ROLE);
  });
});

test('Unleash has no `admin`/`unleash4all` login', async () => {
  const response = await fetch(`${urls.unleash}/auth/simple/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'unleash4all' }),
  });
  expect(response.status).toBe(401);
});
