/**
 * `ficus init --from` as a user runs it, on a monolith's database unlike the shop's: a scratch
 * database on the stack's legacy Postgres with a uuid key, a composite key, a join table, a table
 * in a schema other than public, an enum column, a column named with a reserved word and a table
 * without a key. The plan it writes lists and comments every table, holds no password, and is a
 * plan `loadPlan` accepts as written and once a service is filled in from its entries.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { loadConfig } from '../../lib/config/index.ts';
import { loadPlan } from '../../plan/load-plan.ts';
import { REPO_ROOT } from '../../stack/stack-config.ts';
import { commentedEntries, fillInService } from '../../test-support/fill-in-plan.ts';
import { sql } from '../../test-support/sink-e2e-harness.ts';
import { stackAdminUrl } from '../../test-support/stack-access.ts';

const run = promisify(execFile);
const DATABASE = `ficus_init_${crypto.randomBytes(4).toString('hex')}`;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-init-from-'));
const url = () => stackAdminUrl('legacy', DATABASE);

const SCHEMA = `
  CREATE TYPE order_state AS ENUM ('open', 'paid', 'shipped');
  CREATE TABLE customers (id uuid PRIMARY KEY, name text NOT NULL, "order" int);
  CREATE TABLE products (sku text, region char(2), title text NOT NULL, PRIMARY KEY (sku, region));
  CREATE TABLE labels (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
  CREATE TABLE product_labels (
    sku text, region char(2), label_id int REFERENCES labels ON DELETE CASCADE,
    PRIMARY KEY (sku, region, label_id), FOREIGN KEY (sku, region) REFERENCES products);
  CREATE SCHEMA sales;
  CREATE TABLE sales.orders (
    id bigserial PRIMARY KEY, customer_id uuid NOT NULL REFERENCES customers ON DELETE CASCADE,
    state order_state NOT NULL DEFAULT 'open');
  CREATE TABLE page_views (at timestamptz NOT NULL, path text);
  CREATE TABLE coupons (code text NOT NULL UNIQUE, percent int);
  INSERT INTO page_views VALUES (now(), '/a'), (now(), '/b');
  INSERT INTO customers (id, name) SELECT gen_random_uuid(), 'c' || i FROM generate_series(1, 300) i;
  ANALYZE customers;`;

/** `ficus init` from this checkout, in the test's directory; exit code and output */
async function ficusInit(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/ficus.js'), 'init', ...args],
      { cwd: dir, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

beforeAll(async () => {
  await sql(stackAdminUrl('legacy', 'postgres'), `CREATE DATABASE ${DATABASE}`);
  await sql(url(), SCHEMA);
});

afterAll(async () => {
  await sql(
    stackAdminUrl('legacy', 'postgres'),
    `DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`,
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

const planFile = path.join(dir, 'ficus.plan.yaml');
const configFile = path.join(dir, 'ficus.config.yaml');
/** The comment block of one table: its notes and its entry. */
/** A comment block as one line: without the `#`s and the wrapping. */
const unwrapped = (block: string) => block.replace(/\n#\s*/g, ' ');
const block = (text: string, name: string) => {
  const start = text.indexOf(`\n# ${name}: `);
  if (start < 0) throw new Error(`no notes for ${name} in the plan`);
  const end = text.indexOf('\n\n', start + 1);
  return text.slice(start + 1, end < 0 ? undefined : end);
};

test('init --from writes a commented plan of every table and a configuration without the password', async () => {
  const first = await ficusInit(['--from', url()]);
  expect({ code: first.code, stderr: first.code ? first.stderr : '' }).toEqual({
    code: 0,
    stderr: '',
  });
  expect(first.stdout).toMatch(/FICUS_LEGACY_PASSWORD: the password of ficus/);
  expect(first.stdout).toMatch(
    /7 tables listed; without a key, see their notes: public\.page_views\)/,
  );
  const password = decodeURIComponent(new URL(url()).password);
  const text = fs.readFileSync(planFile, 'utf8');
  for (const file of [planFile, configFile])
    expect(fs.readFileSync(file, 'utf8')).not.toContain(password);

  // a valid plan as written: the database, the schema most tables are in, no service yet
  const asWritten = loadPlan(planFile);
  expect(asWritten.legacy).toEqual({ database: DATABASE, schema: 'public' });
  expect(asWritten.services).toEqual([]);

  const entries = commentedEntries(text);
  expect([...entries.keys()].sort()).toEqual(
    [
      'coupons',
      'customers',
      'labels',
      'page_views',
      'product_labels',
      'products',
      'sales.orders',
    ].sort(),
  );
  expect(entries.get('sales.orders')).toEqual({
    source: 'orders',
    sourceSchema: 'sales',
    target: 'orders',
    key: ['id'],
  });
  expect(entries.get('products')!.key).toEqual(['sku', 'region']);
  expect(entries.get('product_labels')!.key).toEqual(['sku', 'region', 'label_id']);

  expect(block(text, 'public.customers')).toMatch(/~300 rows/);
  expect(block(text, 'public.customers')).toMatch(/key: id \(primary key\): id uuid, no default/);
  expect(block(text, 'public.customers')).toMatch(/"order": a name SQL must quote/);
  expect(block(text, 'public.customers')).toMatch(
    /referenced by: sales\.orders \(customer_id\) ON DELETE CASCADE/,
  );
  expect(block(text, 'public.labels')).toMatch(
    /identity \(GENERATED ALWAYS\), sequence public\.labels_id_seq/,
  );
  expect(block(text, 'public.product_labels')).toMatch(
    /references: .*label_id -> public\.labels \(id\) ON DELETE CASCADE/,
  );
  expect(block(text, 'public.product_labels')).toMatch(/sku, region -> public\.products/);
  expect(block(text, 'public.products')).toMatch(/referenced by: public\.product_labels/);
  expect(block(text, 'sales.orders')).toMatch(/from the sequence sales\.orders_id_seq/);
  expect(block(text, 'sales.orders')).toMatch(
    /state order_state: an enum \('open', 'paid', 'shipped'\)/,
  );
  const keyless = block(text, 'public.page_views');
  expect(keyless).toMatch(/no primary key and no unique key/);
  expect(keyless).toMatch(/ALTER TABLE "public"\."page_views" ADD PRIMARY KEY/);
  expect(entries.get('page_views')!.key).toEqual(['FILL-IN']);
  expect(entries.get('coupons')!.key).toEqual(['code']);

  // the fixes the notes print run as they are, and give the tables a primary key
  const fixes = [
    unwrapped(block(text, 'public.page_views')).match(/ALTER TABLE \S+ ADD COLUMN [^;]+/)![0],
    unwrapped(block(text, 'public.coupons')).match(/ALTER TABLE \S+ ADD PRIMARY KEY [^;-]+\)/)![0],
  ];
  // one round trip, rolled back: the database stays as the other tests expect it
  const results = (await sql(
    url(),
    `BEGIN; ${fixes.join('; ')};
     SELECT indrelid::regclass::text AS t FROM pg_index
     WHERE indisprimary AND indrelid IN ('page_views'::regclass, 'coupons'::regclass) ORDER BY 1;
     ROLLBACK`,
  )) as unknown as pg.QueryResult<{ t: string }>[];
  const keys = results.find((r) => r.command === 'SELECT')!.rows.map((r) => r.t);
  expect(keys).toEqual(['coupons', 'page_views']);

  // the configuration names the database and a variable for its password
  const config = loadConfig({
    cwd: dir,
    env: { FICUS_LEGACY_PASSWORD: 'x', FICUS_CDC_PASSWORD: 'y', FICUS_KIT_PASSWORD: 'z' },
  });
  const from = new URL(url());
  expect(config.legacy.database).toMatchObject({
    host: from.hostname,
    port: Number(from.port),
    database: DATABASE,
    user: decodeURIComponent(from.username),
    password: 'x',
  });

  // what a user does next: a service that takes some tables and reads another
  fs.writeFileSync(
    planFile,
    fillInService(text, {
      name: 'orders',
      database: 'orders',
      owns: ['sales.orders', 'products', 'product_labels', 'page_views'],
      replicates: ['customers', 'labels'],
    }),
  );
  const [service] = loadPlan(planFile).services;
  expect(service.owns.map((t) => [t.source, t.sourceSchema, t.key])).toEqual([
    ['orders', 'sales', ['id']],
    ['products', undefined, ['sku', 'region']],
    ['product_labels', undefined, ['sku', 'region', 'label_id']],
    ['page_views', undefined, ['FILL-IN']],
  ]);
  expect(service.replicates.map((t) => t.source)).toEqual(['customers', 'labels']);
}, 120_000);

test('init refuses to overwrite what is there, and --force overwrites it', async () => {
  const before = fs.readFileSync(planFile, 'utf8');
  const again = await ficusInit(['--from', url()]);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/already exist.*nothing was written \(--force overwrites\)/);
  expect(fs.readFileSync(planFile, 'utf8')).toBe(before);
  expect((await ficusInit(['--from', url(), '--force'])).code).toBe(0);
  expect(loadPlan(planFile).services).toEqual([]);
}, 120_000);

test('init --from a database it cannot read writes nothing and says why', async () => {
  fs.rmSync(planFile);
  fs.rmSync(configFile);
  const wrong = new URL(url());
  wrong.password = 'not-the-password';
  const failed = await ficusInit(['--from', wrong.toString()]);
  expect(failed.code).toBe(1);
  expect(failed.stderr).toMatch(/password authentication failed/);
  expect(failed.stderr).toMatch(/nothing was written/);
  expect(failed.stderr).not.toContain('not-the-password');
  expect(fs.existsSync(planFile) || fs.existsSync(configFile)).toBe(false);
}, 120_000);
