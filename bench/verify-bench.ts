/**
 * Parity check speed: `ficus verify` (chunked hashing inside each database, through the compiled
 * mapping) against the naive way (fetch every row of both sides into Node and compare), on the
 * same data in the same run. A legacy-like `products` table of N rows (default 1,000,000) in a
 * scratch DB on the legacy cluster, and its mapped copy (rename, cents, derived column) in a
 * scratch DB on the services cluster; both are dropped at the end.
 *
 *   node_modules/.bin/node bench/verify-bench.ts [--rows 1000000] [--chunk-size 10000]
 */
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parsePlan } from '../plan/load-plan.ts';
import { compileServiceTables } from '../plan/compile-service.ts';
import { describeTable } from '../plan/describe-table.ts';
import { stackUrls } from '../test-support/stack-access.ts';
import { openVerifyPool, verifyService } from '../cdc/verify/verify-service.ts';
import { verifySides } from '../cdc/verify/verify-sql.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    'chunk-size': { type: 'string', default: '10000' },
  },
});
const rows = Number(values.rows);
const chunkSize = Number(values['chunk-size']);
const urls = stackUrls();
const suffix = crypto.randomBytes(4).toString('hex');
const names = { legacy: `ficus_bench_l_${suffix}`, service: `ficus_bench_s_${suffix}` };

const plan = parsePlan(
  `version: 1
legacy: { database: ${names.legacy} }
services:
  bench:
    database: ${names.service}
    owns:
      - source: products
        target: products
        key: [id]
        columns:
          id: id
          sku: sku
          name: title
          price: { target: price_cents, type: cents }
          active: active
          updated_at: updated_at
        derived:
          search_text: "lower(name || ' ' || sku)"
`,
  'bench.plan.yaml',
);

// the same formulas on both sides, the service side already mapped (what a finished sync holds)
const LEGACY_DDL = `CREATE TABLE products (id bigint PRIMARY KEY, sku text NOT NULL, name text NOT NULL, price numeric(12,2) NOT NULL,
  active boolean NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO products SELECT g, 'SKU-' || g, 'Product ' || g, ((g % 50000) * 0.37)::numeric(12,2), g % 3 <> 0,
  timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second' FROM generate_series(1, ${rows}) g;
ANALYZE products;`;
const SERVICE_DDL = `CREATE TABLE products (id bigint PRIMARY KEY, sku text NOT NULL, title text NOT NULL, price_cents integer NOT NULL,
  active boolean NOT NULL, updated_at timestamptz NOT NULL, search_text text);
INSERT INTO products SELECT g, 'SKU-' || g, 'Product ' || g, round(((g % 50000) * 0.37)::numeric(12,2) * 100)::int, g % 3 <> 0,
  timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second', lower('Product ' || g || ' ' || 'SKU-' || g) FROM generate_series(1, ${rows}) g;
ANALYZE products;`;

async function naive(
  legacy: pg.Pool,
  service: pg.Pool,
  mappedSelect: string,
): Promise<{ rows: number; differences: number }> {
  const [l, s] = await Promise.all([
    legacy.query({ text: mappedSelect, rowMode: 'array' }),
    service.query({
      text: 'SELECT id, sku, title, price_cents, active, updated_at, search_text FROM products',
      rowMode: 'array',
    }),
  ]);
  const target = new Map<string, string>();
  for (const row of s.rows) target.set(String(row[0]), JSON.stringify(row));
  let differences = 0;
  for (const row of l.rows) {
    const key = String(row[0]);
    if (target.get(key) !== JSON.stringify(row)) differences++;
    target.delete(key);
  }
  return { rows: l.rows.length, differences: differences + target.size };
}

const time = async <T>(work: () => Promise<T>) => {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
};

const legacyAdmin = new pg.Client({ connectionString: urls.legacyAdmin('postgres') });
const servicesAdmin = new pg.Client({ connectionString: urls.servicesAdmin('postgres') });
await Promise.all([legacyAdmin.connect(), servicesAdmin.connect()]);
await legacyAdmin.query(`CREATE DATABASE ${names.legacy}`);
await servicesAdmin.query(`CREATE DATABASE ${names.service}`);
const legacy = openVerifyPool(urls.legacyAdmin(names.legacy));
const service = openVerifyPool(urls.servicesAdmin(names.service));
try {
  process.stderr.write(`filling ${rows} rows on each side...\n`);
  await Promise.all([legacy.query(LEGACY_DDL), service.query(SERVICE_DDL)]);
  const [table] = await compileServiceTables(
    plan,
    'bench',
    (s, t) => describeTable(legacy, s, t),
    (s, t) => describeTable(service, s, t),
  );
  // the naive side applies the very same mapping (cast to the target types) in the legacy DB and compares values in Node
  const sides = verifySides(table);
  const mappedSelect = `SELECT ${sides.legacy.values.join(', ')} FROM ${sides.legacy.from}`;

  const fast = await time(() =>
    verifyService({ plan, service: 'bench', legacy, serviceDb: service, chunkSize }),
  );
  const slow = await time(() => naive(legacy, service, mappedSelect));
  const t = fast.result.report.tables[0];
  const ratio = slow.ms / fast.ms;
  process.stdout.write(
    [
      `verify bench: ${rows} rows, chunk size ${chunkSize}`,
      `  ficus verify (hashes in each DB): ${(fast.ms / 1000).toFixed(2)} s  clean=${fast.result.report.clean} rows=${t.rows} matching=${t.matching}`,
      `  naive (fetch all, compare in Node): ${(slow.ms / 1000).toFixed(2)} s  rows=${slow.result.rows} differences=${slow.result.differences}`,
      `  ratio naive/verify: ${ratio.toFixed(2)}x`,
    ].join('\n') + '\n',
  );
  if (!fast.result.report.clean || slow.result.differences !== 0) process.exitCode = 1;
} finally {
  await Promise.all([legacy.end(), service.end()]);
  await legacyAdmin.query(`DROP DATABASE IF EXISTS ${names.legacy} WITH (FORCE)`);
  await servicesAdmin.query(`DROP DATABASE IF EXISTS ${names.service} WITH (FORCE)`);
  await Promise.all([legacyAdmin.end(), servicesAdmin.end()]);
}
