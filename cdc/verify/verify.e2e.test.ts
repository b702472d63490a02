import crypto from 'node:crypto';
import pg from 'pg';
import { stackUrls } from '../../test-support/stack-access.ts';
import { parsePlan } from '../../plan/load-plan.ts';
import { compileServiceTables } from '../../plan/compile-service.ts';
import { describeTable } from '../../plan/describe-table.ts';
import { renderStagedUpsert } from '../../plan/mapping.ts';
import { openVerifyPool, verifyService } from './verify-service.ts';
import { latestVerify } from './verify-store.ts';

const urls = stackUrls();
const suffix = crypto.randomBytes(4).toString('hex');
const names = {
  legacy: `ficus_vl_${suffix}`,
  service: `ficus_vs_${suffix}`,
  kit: `ficus_vk_${suffix}`,
};
const legacyAdmin = new pg.Client({ connectionString: urls.legacyAdmin('postgres') });
const servicesAdmin = new pg.Client({ connectionString: urls.servicesAdmin('postgres') });
let legacy: pg.Pool;
let service: pg.Pool;
let kit: pg.Pool;

const plan = parsePlan(
  `version: 1
legacy: { database: ${names.legacy} }
services:
  shopfront:
    database: ${names.service}
    owns:
      - source: products
        target: items
        key: [id]
        columns:
          id: item_id
          sku: sku
          name: title
          price: { target: price_cents, type: cents }
          created_at: { target: created_at, type: timestamp }
        derived:
          search_text: "lower(name || ' ' || sku)"
        drop: [active]
    replicates:
      - { source: stock, target: stock, key: [warehouse, sku] }
`,
  'verify-test.plan.yaml',
);

beforeAll(async () => {
  await Promise.all([legacyAdmin.connect(), servicesAdmin.connect()]);
  await legacyAdmin.query(`CREATE DATABASE ${names.legacy}`);
  await servicesAdmin.query(`CREATE DATABASE ${names.service}`);
  await servicesAdmin.query(`CREATE DATABASE ${names.kit}`);
  legacy = openVerifyPool(urls.legacyAdmin(names.legacy));
  service = openVerifyPool(urls.servicesAdmin(names.service));
  kit = openVerifyPool(urls.servicesAdmin(names.kit));
  await legacy.query(`
    CREATE TABLE products (id bigserial PRIMARY KEY, sku text NOT NULL, name text NOT NULL, price numeric(12,2) NOT NULL,
                           active boolean NOT NULL DEFAULT true, created_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO products (sku, name, price, created_at)
      SELECT 'SKU-' || g, CASE WHEN g % 10 = 0 THEN 'Name "' || g || '"' ELSE 'name ' || g END, (g * 1.37)::numeric(12,2),
             timestamptz '2024-01-01 00:00:00.123456+00' + g * interval '1 minute'
      FROM generate_series(1, 100) g;
    CREATE TABLE stock (warehouse text NOT NULL, sku text NOT NULL, quantity integer, PRIMARY KEY (warehouse, sku));
    INSERT INTO stock SELECT w, 'SKU-' || g, CASE WHEN g % 7 = 0 THEN NULL ELSE g END FROM unnest(ARRAY['north', 'south']) w, generate_series(1, 30) g;`);
  await service.query(`
    CREATE TABLE items (item_id bigint PRIMARY KEY, sku text, title text, price_cents integer, created_at timestamptz(3), search_text text, note text);
    CREATE TABLE stock (warehouse text, sku text, quantity integer, PRIMARY KEY (warehouse, sku));`);
  // fill the service DB the way the sink does: staged source rows through the compiled mapping
  const compiled = await compileServiceTables(
    plan,
    'shopfront',
    (s, t) => describeTable(legacy, s, t),
    (s, t) => describeTable(service, s, t),
  );
  for (const table of compiled) {
    const rows = (
      await legacy.query(`SELECT coalesce(json_agg(t), '[]') AS rows FROM ${table.source.table} t`)
    ).rows[0].rows;
    await service.query(renderStagedUpsert(table, 'forward'), [JSON.stringify(rows)]);
  }
});

afterAll(async () => {
  await Promise.all([legacy?.end(), service?.end(), kit?.end()]);
  await legacyAdmin.query(`DROP DATABASE IF EXISTS ${names.legacy} WITH (FORCE)`);
  await servicesAdmin.query(`DROP DATABASE IF EXISTS ${names.service} WITH (FORCE)`);
  await servicesAdmin.query(`DROP DATABASE IF EXISTS ${names.kit} WITH (FORCE)`);
  await Promise.all([legacyAdmin.end(), servicesAdmin.end()]);
});

const run = (extra: { resume?: boolean; chunkSize?: number } = {}) =>
  verifyService({
    plan,
    service: 'shopfront',
    legacy,
    serviceDb: service,
    kit,
    chunkSize: extra.chunkSize ?? 7,
    resume: extra.resume,
  });

describe('verifyService', () => {
  it('finds a copy made through the mapping clean', async () => {
    const { report } = await run();
    expect(report).toEqual({
      service: 'shopfront',
      clean: true,
      tables: [
        {
          source: 'products',
          target: 'items',
          rows: 100,
          matching: 100,
          mismatched: 0,
          missingInTarget: 0,
          extraInTarget: 0,
          samples: { mismatched: [], missingInTarget: [], extraInTarget: [] },
        },
        {
          source: 'stock',
          target: 'stock',
          rows: 60,
          matching: 60,
          mismatched: 0,
          missingInTarget: 0,
          extraInTarget: 0,
          samples: { mismatched: [], missingInTarget: [], extraInTarget: [] },
        },
      ],
    });
    expect(await latestVerify(kit, 'shopfront')).toMatchObject({
      clean: true,
      counts: { rows: 160, matching: 160 },
    });
  });

  it('counts a mismatched row, a missing one and an extra one exactly, with sample keys', async () => {
    await service.query(`UPDATE items SET price_cents = price_cents + 1 WHERE item_id = 42;
      DELETE FROM items WHERE item_id = 7;
      INSERT INTO items (item_id, sku, title, price_cents, created_at, search_text) VALUES (1000, 'X', 'x', 1, now(), 'x x');
      UPDATE stock SET quantity = NULL WHERE warehouse = 'south' AND sku = 'SKU-3';
      UPDATE items SET note = 'service-only column, not compared' WHERE item_id = 1;`);
    const { report } = await run();
    expect(report.clean).toBe(false);
    expect(report.tables[0]).toEqual({
      source: 'products',
      target: 'items',
      rows: 100,
      matching: 98,
      mismatched: 1,
      missingInTarget: 1,
      extraInTarget: 1,
      samples: {
        mismatched: [{ item_id: '42' }],
        missingInTarget: [{ item_id: '7' }],
        extraInTarget: [{ item_id: '1000' }],
      },
    });
    expect(report.tables[1]).toMatchObject({
      rows: 60,
      matching: 59,
      mismatched: 1,
      samples: { mismatched: [{ warehouse: 'south', sku: 'SKU-3' }] },
    });
    expect(await latestVerify(kit, 'shopfront')).toMatchObject({
      clean: false,
      counts: { rows: 160, mismatched: 2, missingInTarget: 1, extraInTarget: 1 },
    });
  });

  it('a legacy change the mapping would carry differently shows as a mismatch (the derived column too)', async () => {
    await legacy.query(`UPDATE products SET name = 'renamed' WHERE id = 5`);
    const { report } = await run({ chunkSize: 1000 });
    expect(report.tables[0].mismatched).toBe(2);
    expect(report.tables[0].samples.mismatched).toEqual([{ item_id: '5' }, { item_id: '42' }]);
  });

  it('resumes an interrupted run from its checkpoints, with the same result', async () => {
    const first = await run();
    // simulate an interruption: the run is unfinished and lost its last chunks
    await kit.query('UPDATE ficus_verify_runs SET finished_at = NULL WHERE id = $1', [first.runId]);
    await kit.query(
      `DELETE FROM ficus_verify_chunks WHERE run_id = $1 AND target_table = 'items' AND chunk_no >= 10`,
      [first.runId],
    );
    const resumed = await run({ resume: true, chunkSize: 50 });
    expect(resumed.runId).toBe(first.runId);
    expect(resumed.report).toEqual(first.report);
    const chunks = await kit.query(
      `SELECT count(*)::int AS n FROM ficus_verify_chunks WHERE run_id = $1 AND target_table = 'items'`,
      [first.runId],
    );
    // 100 legacy rows in chunks of 7 (the original run's size, not the new flag): 14 boundaries, 15 chunks
    expect(chunks.rows[0].n).toBe(15);
  });
});
