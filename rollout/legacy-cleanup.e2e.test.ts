/**
 * Nothing left behind: two services capture the same legacy DB through real Debezium connectors
 * (`ficus connectors apply`); one went through a fenced cut-over and was rolled back (its fence
 * installed with a lease, then taken off, as the cut-over and its rollback do). After
 * `ficus connectors delete <it> --drop-slot` the legacy DB holds nothing ficus made for it, while
 * the other's objects, and the schema they share, stay; after `ficus clean <the other>`, nothing of
 * ficus at all.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import YAML from 'yaml';
import { jest } from '@jest/globals';
import { REPO_ROOT } from '../stack/stack-config.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.ts';
import { writeTestDatabasesConfig } from '../test-support/stack-access.ts';
import { createdObjects } from './created-objects.ts';
import { installFence, removeFence } from './legacy-fence.ts';
import { failOnPgQueryOverlap } from '../test-support/pg-overlap-guard.ts';

jest.setTimeout(300_000);

failOnPgQueryOverlap();

const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-cleanup-'));
const suffix = randomBytes(4).toString('hex');
const [first, second] = [`gone_${suffix}`, `stays_${suffix}`];
const databases: TestDatabase[] = [];
let legacy: TestDatabase;
let configFile: string;

async function ficus(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/ficus.js'), ...args, '--config', configFile],
    { timeout: 240_000 },
  ).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`ficus ${args.join(' ')} failed: ${error.stderr}\n${error.stdout}`);
  });
  return stdout + stderr; // progress goes to stderr
}

/** What ficus made in the legacy DB, as `ficus check` lists it. */
async function legacyObjects() {
  const client = new pg.Client({ connectionString: legacy.url });
  await client.connect();
  try {
    const names = [first, second].map((s) => ({ name: `ficus_${s}_forward`, service: s }));
    return await createdObjects(client, names);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  legacy = await createTestDatabase({ cluster: 'legacy', template: 'legacy' });
  databases.push(legacy);
  const services = await Promise.all(
    [first, second].map(() => createTestDatabase({ cluster: 'services', template: 'catalog' })),
  );
  databases.push(...services);
  const planFile = path.join(dir, 'plan.yaml');
  fs.writeFileSync(
    planFile,
    YAML.stringify({
      version: 1,
      legacy: { database: legacy.name },
      services: {
        [first]: {
          database: services[0].name,
          owns: [{ source: 'customers', target: 'customers', key: ['id'] }],
        },
        [second]: {
          database: services[1].name,
          owns: [{ source: 'products', target: 'products', key: ['id'] }],
        },
      },
    }),
  );
  configFile = writeTestDatabasesConfig(path.join(dir, 'ficus.config.yaml'), {
    planFile,
    legacyDatabase: legacy.name,
    services: { [first]: services[0].name, [second]: services[1].name },
  });
});

afterAll(async () => {
  // connectors of a failed run must not keep slots on the stack
  await ficus('connectors', 'delete', '--drop-slot').catch(() => undefined);
  await Promise.all(databases.map((d) => d.drop()));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a rolled-back service, its connectors deleted with --drop-slot, leaves nothing of its own; the shared schema goes with the last one', async () => {
  await ficus('connectors', 'apply', first);
  await ficus('connectors', 'apply', second);
  // the cut-over fenced it with a lease; its rollback took the fence off (the lease row stays)
  const customers = { schema: 'public', table: 'customers' };
  await installFence(legacy.knex, first, [customers], { leaseMs: 60_000 });
  await removeFence(legacy.knex, [customers]);

  const before = await legacyObjects();
  expect(
    before
      .filter((o) => o.service === first)
      .map((o) => o.kind)
      .sort(),
  ).toEqual(['lease', 'publication', 'replication slot']);
  expect(before.map((o) => o.name)).toEqual(
    expect.arrayContaining([
      'ficus_cdc',
      'ficus_cdc.heartbeat',
      'ficus_cdc.signal',
      'ficus_cdc.fence_leases',
      'ficus_cdc.fence_refuse_write()',
    ]),
  );

  const output = await ficus('connectors', 'delete', first, '--drop-slot');
  expect(output).toMatch(
    /schema ficus_cdc stays: publication ficus_stays_\w+_forward still use it/,
  );
  const after = await legacyObjects();
  expect(after.filter((o) => o.service === first)).toEqual([]);
  expect(
    after
      .filter((o) => o.service === second)
      .map((o) => o.kind)
      .sort(),
  ).toEqual(['publication', 'replication slot']);
  const beats = await legacy.knex.withSchema('ficus_cdc').table('heartbeat').pluck('connector');
  expect(beats).not.toContain(`ficus.${first}.forward`);

  // the other one is done with for good (no flag in Unleash: legacy): `ficus clean` removes the rest
  expect(await ficus('clean', second)).toMatch(/removed from .*schema ficus_cdc/);
  expect(await legacyObjects()).toEqual([]);
  const { rows } = await legacy.knex.raw<{ rows: unknown[] }>(
    `SELECT 1 FROM pg_namespace WHERE nspname = 'ficus_cdc'
     UNION ALL SELECT 1 FROM pg_publication UNION ALL SELECT 1 FROM pg_trigger WHERE tgname LIKE 'ficus%'
     UNION ALL SELECT 1 FROM pg_replication_slots WHERE slot_name LIKE '%${suffix}%'`,
  );
  expect(rows).toEqual([]);
});
