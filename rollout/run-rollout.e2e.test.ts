// `ficus rollout` end to end on a private pipeline: a throwaway service with its own legacy and
// service DBs, a real Debezium connector (the production spec) and a real sink worker (so the sync
// lag gate is measured), a real verify in a fresh kit DB, stages in real Unleash. Comparisons are
// fed into the kit DB as the proxy would record them; mismatches injected mid-rollout break the
// match-rate gate and the rollout rolls back by itself; --resume then completes it.
import pg from 'pg';
import { createConnectClient } from '../cdc/connect/connect-client.ts';
import { applyConnector } from '../cdc/connect/apply-connector.ts';
import { requestCopies } from '../cdc/copy/copy-store.ts';
import { sourceConnectorSpec, type SourceConnectorSpec } from '../cdc/connect/source-config.ts';
import { dropSlotAndPublication } from '../cdc/connect/source-database.ts';
import { createSinkFixture, sql, type SinkFixture } from '../test-support/sink-e2e-harness.ts';
import { startSinkWorker, type SinkWorker } from '../cdc/sink/sink-worker.ts';
import { sinkConsistency } from '../cdc/verify/consistent-point.ts';
import { verifyService } from '../cdc/verify/verify-service.ts';
import { changeStage } from './stage-change.ts';
import { stackConfig, stackUnleashAdmin, stackUrls } from '../test-support/stack-access.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.ts';
import { waitFor } from '../lib/wait.ts';
import type { Admin } from 'kafkajs';
import { runRollout, type RolloutDeps } from './run-rollout.ts';
import { syncLagProbe, type MeasureSyncLag } from './sync-lag.ts';

const config = stackConfig();
const urls = stackUrls();
const unleash = stackUnleashAdmin();
const connect = createConnectClient({ url: urls.connect });

let kit: TestDatabase;
let fixture: SinkFixture;
let spec: SourceConnectorSpec;
let worker: SinkWorker | undefined;
let admin: Admin;
let legacy: pg.Pool;
let serviceDb: pg.Pool;
let kitPool: pg.Pool;
let syncLag: MeasureSyncLag;
let feeding: NodeJS.Timeout | undefined;
let outcome: 'match' | 'mismatch' = 'match';

/** The proxy's part: two comparisons of the service's route every 200 ms. */
function feedComparisons() {
  let n = 0;
  feeding = setInterval(() => {
    const rows = [0, 1].map(() => ({
      request_id: `feed-${n++}`,
      service: fixture.service,
      route: 'GET /api/products/:id',
      method: 'GET',
      url: `/api/products/${n}`,
      outcome,
      legacy_status: 200,
      service_status: 200,
      legacy_ms: 5,
      service_ms: 6,
    }));
    void kit
      .knex('proxy_comparisons')
      .insert(rows)
      .catch(() => undefined);
  }, 200);
}

beforeAll(async () => {
  kit = await createTestDatabase({ cluster: 'services', template: 'kit' });
  fixture = await createSinkFixture();
  const service = fixture.plan.services[0];
  const endpoint = {
    host: '127.0.0.1',
    port: config.ports.legacyPostgres,
    user: config.adminUser,
    password: urls.adminPassword,
    database: fixture.plan.legacy.database,
  };
  spec = sourceConnectorSpec(fixture.plan, service, 'forward', {
    endpoint,
    prefix: `sinkt${fixture.id}`,
    heartbeatIntervalMs: 1000,
  });
  legacy = new pg.Pool({ connectionString: fixture.legacyUrl, max: 2 });
  serviceDb = new pg.Pool({ connectionString: fixture.serviceUrl, max: 2 });
  kitPool = new pg.Pool({ connectionString: kit.url, max: 2 });
  await sql(
    fixture.legacyUrl,
    `INSERT INTO products (id, sku, name, price) VALUES (1, 'A-1', 'Anvil', 9.99), (2, 'B-2', 'Bolt', 0.25);
    INSERT INTO inventory (product_id, quantity) VALUES (1, 3), (2, 40)`,
  );
  // as `ficus connectors apply` does: the initial copy asked for, then the connector made
  const requestCopy = async () => {
    const db = new pg.Client({ connectionString: fixture.serviceUrl });
    await db.connect();
    try {
      await requestCopies(db, service.name, spec.slot, spec.tables);
    } finally {
      await db.end();
    }
  };
  await applyConnector(spec, { connect, sourceDb: legacy, beforeCreate: requestCopy });
  worker = await startSinkWorker(
    fixture.workerOptions('forward', { topicPrefix: spec.topicPrefix }),
  );
  await fixture.waitInSync('products');
  await fixture.waitInSync('inventory');
  admin = fixture.kafka.admin();
  await admin.connect();
  syncLag = syncLagProbe(
    sinkConsistency({
      legacy,
      service: serviceDb,
      connect,
      kafkaAdmin: admin,
      spec,
      timeoutMs: 10_000,
    }),
  );
  const { report } = await verifyService({
    plan: fixture.plan,
    service: fixture.service,
    legacy,
    serviceDb,
    kit: kitPool,
  });
  expect(report.clean).toBe(true);
}, 120_000);

afterAll(async () => {
  if (feeding) clearInterval(feeding);
  await worker?.stop();
  await admin?.disconnect();
  await connect.delete(spec.name).catch(() => undefined);
  await dropSlotAndPublication(legacy, spec).catch(() => undefined);
  await Promise.all([legacy?.end(), serviceDb?.end(), kitPool?.end()]);
  await unleash.deleteFlag(fixture.service);
  await fixture?.dispose();
  await kit?.drop();
}, 60_000);

it('measures the forward sync lag of a running pipeline', async () => {
  const lag = await syncLag();
  expect(lag.note).toBeUndefined();
  expect(lag.lagMs).not.toBeNull();
  expect(lag.lagMs!).toBeLessThan(5_000);
});

it('raises the canary while the gates hold, rolls back by itself when mismatches appear, and resumes', async () => {
  const service = fixture.service;
  const lines: string[] = [];
  const deps: RolloutDeps = {
    kitDb: kit.knex,
    unleash,
    plan: fixture.plan,
    gateContext: { thresholds: { minComparisons: 5 }, syncLag },
    out: (line) => lines.push(line),
  };
  // shadow through the same gates (clean parity, measured lag): no force needed
  await changeStage(
    { service, stage: 'shadow', actor: 'tester', gateContext: { plan: fixture.plan, syncLag } },
    { services: [service], unleash, kitDb: kit.knex },
  );
  feedComparisons();
  await waitFor(
    'shadow evidence',
    async () => Number((await kit.knex('proxy_comparisons').count({ n: '*' }))[0].n) >= 10,
    { timeoutMs: 10_000 },
  );

  const options = { service, steps: [10, 50, 100], intervalMs: 3_000, checkEveryMs: 300 };
  const running = runRollout(options, deps);
  // once the rollout is at 50%, the service starts answering differently
  await waitFor('canary 50', async () => (await unleash.readStage(service)).percent === 50, {
    timeoutMs: 60_000,
    intervalMs: 100,
  });
  outcome = 'mismatch';
  const result = await running;

  expect(result).toMatchObject({ status: 'rolled-back', state: { current: 0, lastGood: 0 } });
  expect(result.broken.map((r) => r.gate)).toContain('match rate');
  expect(await unleash.readStage(service)).toEqual({ stage: 'canary', percent: 10 });
  expect(lines.some((l) => /canary 50%.*compared, match/.test(l))).toBe(true);
  expect(lines.join('\n')).toMatch(/✗ match rate/);
  const history = await kit.knex('stage_history').where({ service }).orderBy('id');
  expect(history.map((h) => [h.actor, h.to_stage, h.to_percent])).toEqual([
    ['tester', 'shadow', 0],
    ['ficus rollout', 'canary', 10],
    ['ficus rollout', 'canary', 50],
    ['ficus rollout', 'canary', 10],
  ]);
  expect(history[3].reason).toMatch(/match rate .* at canary 50%; rolled back to canary 10%/);
  const saved = await kit.knex('rollouts').where({ id: result.id }).first();
  expect(saved).toMatchObject({ status: 'rolled-back', current_step: 0, last_good_step: 0 });
  expect(saved.gates.map((g: { gate: string }) => g.gate)).toContain('match rate');

  // the defect is fixed: resume continues from 10% and completes at canary 100
  outcome = 'match';
  const resumed = await runRollout({ ...options, resume: true }, deps);
  expect(resumed).toMatchObject({ id: result.id, status: 'completed' });
  expect(await unleash.readStage(service)).toEqual({ stage: 'canary', percent: 100 });
  expect(lines.join('\n')).toContain(`ficus stage ${service} live`);
}, 150_000);
