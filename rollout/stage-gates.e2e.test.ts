// `ficus stage` (the real CLI) against real Unleash and a fresh kit DB, for a throwaway service of
// a throwaway plan: an advance the gates do not allow is refused with each gate's value and
// threshold and changes nothing; --force moves it and is recorded as forced with the gate values;
// moving back is never gated.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { REPO_ROOT } from '../stack/stack-config.ts';
import { stackUnleashAdmin } from '../test-support/stack-access.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.ts';
import { uniqueService } from '../test-support/proxy-e2e-harness.ts';

const run = promisify(execFile);
const unleash = stackUnleashAdmin();
const service = uniqueService('gated');
let kit: TestDatabase;
let dir: string;

async function ficusStage(
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    FICUS_PLAN: path.join(dir, 'plan.yaml'),
    FICUS_KIT_DB_URL: kit.url,
    USER: 'tester',
  };
  try {
    const { stdout, stderr } = await run(
      path.join(REPO_ROOT, 'node_modules/.bin/node'),
      [path.join(REPO_ROOT, 'bin/ficus.js'), 'stage', service, ...args],
      { env, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  kit = await createTestDatabase({ cluster: 'services', template: 'kit' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-gates-'));
  const plan = {
    version: 1,
    legacy: { database: 'shop' },
    services: {
      [service]: { database: service, routes: [{ method: 'GET', path: `/api/${service}` }] },
    },
  };
  fs.writeFileSync(path.join(dir, 'plan.yaml'), YAML.stringify(plan));
});
afterAll(async () => {
  await unleash.deleteFlag(service);
  await kit?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('refuses an advance the gates do not allow, naming each gate with value and threshold', async () => {
  const refused = await ficusStage('shadow', '--why', 'start comparing');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toContain('2 of 2 gates fail');
  expect(refused.stderr).toMatch(/✗ parity\s+never verified\s+\(needs clean, <= 60 min old\)/);
  expect(refused.stderr).toMatch(/✗ sync lag\s+unknown\s+\(needs <= 5000 ms\)/);
  expect(await unleash.readStage(service)).toEqual({ stage: 'legacy', percent: 0 });
  expect(await kit.knex('stage_history').where({ service })).toEqual([]);
});

it('--force moves anyway and records it as forced with the gate values; moving back is not gated', async () => {
  const forced = await ficusStage('canary', '--percent', '5', '--force', '--why', 'demo');
  expect(forced.code).toBe(0);
  expect(forced.stdout).toContain('forced');
  expect(forced.stdout).toContain('✗ match rate');
  expect(await unleash.readStage(service)).toEqual({ stage: 'canary', percent: 5 });

  const back = await ficusStage('shadow', '--why', 'too early');
  expect(back.code).toBe(0);
  expect(back.stdout).toContain('moving back is never gated');
  expect(await unleash.readStage(service)).toEqual({ stage: 'shadow', percent: 0 });

  const rows = await kit.knex('stage_history').where({ service }).orderBy('id');
  expect(rows.map((r) => [r.from_stage, r.to_stage, r.to_percent, r.forced, r.reason])).toEqual([
    ['legacy', 'canary', 5, true, 'demo'],
    ['canary', 'shadow', 0, false, 'too early'],
  ]);
  const gates = rows[0].gates as {
    ok: boolean;
    results: { gate: string; ok: boolean; value: string; threshold: string }[];
  };
  expect(gates.ok).toBe(false);
  expect(gates.results.map((r) => r.gate)).toEqual([
    'comparisons',
    'match rate',
    'parity',
    'sync lag',
    'error rate',
    'p99 latency',
  ]);
  expect(gates.results.find((r) => r.gate === 'comparisons')).toMatchObject({
    ok: false,
    value: '0',
    threshold: '>= 100',
  });
  expect(rows[1].gates).toMatchObject({ ok: true, results: [] });
});
