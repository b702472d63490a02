/**
 * `ficus check` as a user runs it, against the embedded stack: the shop (the legacy DB and both
 * services' DBs migrated from this checkout) passes; a database pair whose mapping narrows
 * numeric(12,2) prices into integer cents fails, naming the column, the prices that do not fit
 * and the legacy row that already does not; a target without a mapped column fails too.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { jest } from '@jest/globals';
import { SHOP_PLAN_FILE } from '../../plan/load-plan.ts';
import { REPO_ROOT } from '../../stack/stack-config.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/databases.ts';
import { sql, urls } from '../../test-support/sink-e2e-harness.ts';
import { writeTestDatabasesConfig } from '../../test-support/stack-access.ts';
import type { CheckReport } from './check-result.ts';

jest.setTimeout(180_000);

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-check-'));

/** `ficus check --json` on a configuration; its report and exit code */
async function ficusCheck(configFile: string): Promise<{ report: CheckReport; code: number }> {
  const args = [path.join(REPO_ROOT, 'bin/ficus.js'), 'check', '--json', '--config', configFile];
  try {
    const { stdout } = await run(process.execPath, args, { timeout: 120_000 });
    return { report: JSON.parse(stdout), code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number };
    if (!failed.stdout) throw new Error(`ficus check failed: ${failed.stderr}`);
    return { report: JSON.parse(failed.stdout), code: failed.code ?? -1 };
  }
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the shop', () => {
  const databases: TestDatabase[] = [];
  afterAll(() => Promise.all(databases.map((d) => d.drop())));

  it('holds every prerequisite, prices included', async () => {
    const [legacy, catalog, orders] = await Promise.all([
      createTestDatabase({ cluster: 'legacy', template: 'legacy' }),
      createTestDatabase({ cluster: 'services', template: 'catalog' }),
      createTestDatabase({ cluster: 'services', template: 'orders' }),
    ]);
    databases.push(legacy, catalog, orders);
    const plan = YAML.parse(fs.readFileSync(SHOP_PLAN_FILE, 'utf8'));
    plan.legacy.database = legacy.name;
    plan.services.catalog.database = catalog.name;
    plan.services.orders.database = orders.name;
    const planFile = path.join(dir, 'shop.plan.yaml');
    fs.writeFileSync(planFile, YAML.stringify(plan));
    const config = writeTestDatabasesConfig(path.join(dir, 'shop.config.yaml'), {
      planFile,
      legacyDatabase: legacy.name,
      services: { catalog: catalog.name, orders: orders.name },
    });

    const { report, code } = await ficusCheck(config);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect({ ok: report.ok, code }).toEqual({ ok: true, code: 0 });
    const names = report.checks.map((c) => c.name);
    for (const expected of [
      'legacy database reachable',
      'kit database reachable',
      "catalog's database reachable",
      'Kafka reachable',
      'Kafka Connect reachable',
      'Unleash reachable',
      'legacy database has wal_level = logical',
      'catalog: products -> products: every mapped column holds every legacy value',
    ])
      expect(names).toContain(expected);
    for (const c of report.checks) expect(Object.keys(c).sort()).toEqual(['detail', 'name', 'ok']);
  });
});

describe('a mapping that narrows', () => {
  const id = randomBytes(4).toString('hex');
  const legacyDb = `checkl_${id}`;
  const serviceDb = `checks_${id}`;
  afterAll(async () => {
    await sql(urls.legacyAdmin('postgres'), `DROP DATABASE IF EXISTS ${legacyDb} WITH (FORCE)`);
    await sql(urls.servicesAdmin('postgres'), `DROP DATABASE IF EXISTS ${serviceDb} WITH (FORCE)`);
  });

  it('is a finding naming the column, the values that do not fit and the rows that already do not', async () => {
    await sql(urls.legacyAdmin('postgres'), `CREATE DATABASE ${legacyDb}`);
    await sql(urls.servicesAdmin('postgres'), `CREATE DATABASE ${serviceDb}`);
    await sql(
      urls.legacyAdmin(legacyDb),
      `CREATE TABLE items (id bigint PRIMARY KEY, label varchar(200), price numeric(12,2) NOT NULL, note text);
       INSERT INTO items VALUES (1, 'cheap', 1.50, null), (2, 'dear', 30000000.00, null)`,
    );
    await sql(
      urls.servicesAdmin(serviceDb),
      'CREATE TABLE goods (id bigint PRIMARY KEY, label varchar(40), price_cents integer NOT NULL)',
    );
    const planFile = path.join(dir, 'narrow.plan.yaml');
    fs.writeFileSync(
      planFile,
      YAML.stringify({
        version: 1,
        legacy: { database: legacyDb },
        services: {
          shelf: {
            database: serviceDb,
            owns: [
              {
                source: 'items',
                target: 'goods',
                key: ['id'],
                columns: {
                  id: 'id',
                  label: 'label',
                  price: { target: 'price_cents', type: 'cents' },
                },
                drop: ['note'],
              },
            ],
            replicates: [{ source: 'items', target: 'missing_table', key: ['id'] }],
          },
        },
      }),
    );
    const config = writeTestDatabasesConfig(path.join(dir, 'narrow.config.yaml'), {
      planFile,
      legacyDatabase: legacyDb,
      services: { shelf: serviceDb },
    });

    const { report, code } = await ficusCheck(config);
    expect({ ok: report.ok, code }).toEqual({ ok: false, code: 1 });
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed).toEqual([
      {
        name: 'shelf: items -> goods: label -> label holds every legacy value',
        ok: false,
        detail:
          'shelf: items.label character varying(200) -> goods.label character varying(40): strings longer than 40 characters do not fit; the source allows up to 200 (no legacy row does yet)',
        fix: expect.stringContaining('change goods.label to a longer varchar, or text'),
      },
      {
        name: 'shelf: items -> goods: price -> price_cents holds every legacy value',
        ok: false,
        detail:
          'shelf: items.price numeric(12,2) -> goods.price_cents integer (cents): values from 21,474,836.48 up and from -21,474,836.49 down do not fit integer; the source allows -9,999,999,999.99 to 9,999,999,999.99 (1 legacy row already)',
        fix: expect.stringContaining(
          'change goods.price_cents to a type that holds the whole range',
        ),
      },
      {
        name: 'shelf: items -> missing_table: tables and columns exist',
        ok: false,
        detail: "table public.missing_table does not exist in the service's database",
        fix: expect.stringContaining('ficus migrate shelf'),
      },
    ]);
  });
});
