/**
 * The write cut-over and the rollback with sync workers ficus did not start: the test is the
 * supervisor. It runs `ficus sync <service> --direction forward|reverse` as child processes on
 * databases of its own (a kit DB too), puts a real proxy in front of two small upstreams that write
 * the legacy and the service DB, and drives `moveWrites` to `live` and back to `canary` while
 * writes go through the proxy. ficus only switches the directions' assignments in the kit DB and
 * waits for the workers' reports: the reverse worker goes from standby to running and back, the
 * pids never change, and a write made through the proxy after the cut-over reaches the legacy DB
 * through the reverse sync. A proxy of the fleet that cannot confirm the hold stops the cut-over,
 * named, and everything is undone. Without a reverse worker the cut-over is abandoned before the
 * hold, naming the worker to start, and the forward direction stays as it was.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { jest } from '@jest/globals';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import YAML from 'yaml';
import {
  configuredConnectorSpec,
  applyConfiguredConnector,
  configuredConnectClient,
} from '../cdc/connect/configured-connectors.ts';
import { syncFleetStore } from '../cdc/fleet/sync-fleet-store.ts';
import { loadConfig, type FicusConfig } from '../lib/config/index.ts';
import { createProgress } from '../lib/progress.ts';
import { PACKAGE_ROOT } from '../lib/package-paths.ts';
import { sleep, waitFor } from '../lib/wait.ts';
import type { Direction } from '../plan/mapping.ts';
import type { Plan } from '../plan/plan-types.ts';
import type { TestDatabase } from '../test-support/databases.ts';
import {
  productHandler,
  startProxy,
  startUpstream,
  testPlan,
  type FakeUpstream,
  type StartedProxy,
} from '../test-support/proxy-e2e-harness.ts';
import { createSinkFixture, sql, type SinkFixture } from '../test-support/sink-e2e-harness.ts';
import { stackUnleashAdmin } from '../test-support/stack-access.ts';
import {
  freePort,
  superviseSyncWorker,
  type SupervisedWorker,
} from '../test-support/sync-supervisor.ts';
import { proxyFleetStore } from '../lib/proxy-fleet/proxy-fleet-store.ts';
import { moveWrites, type CutoverDeps } from './cutover.ts';
import { CUTOVER_LEASE_MS, cutoverJournal } from './cutover-journal.ts';
import { resolveInterruptedCutovers } from './cutover-recovery.ts';
import { removeConfiguredConnector } from '../cdc/connect/configured-connectors.ts';
import { fencedTables } from './legacy-fence.ts';
import { proxyAdmin } from './proxy-admin.ts';
import { proxyFleet } from './proxy-fleet-client.ts';
import { changeStage } from './stage-change.ts';

jest.setTimeout(240_000);

const PRODUCTS = { schema: 'public', table: 'products' };

const unleash = stackUnleashAdmin();
let fx: SinkFixture;
let kit: TestDatabase;
let config: FicusConfig;
let service: string;
let workers: Record<Direction, SupervisedWorker>;
let monolith: FakeUpstream;
let serviceSide: FakeUpstream;
let proxy: StartedProxy;
let deps: CutoverDeps;
const pools: pg.Pool[] = [];
let legacyKnex: Knex;
let nextId = 1000;

/** An upstream that inserts each POSTed product into its own database, as the real sides do. */
async function writingUpstream(side: string, url: string, insert: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pools.push(pool);
  const reads = productHandler(side);
  return startUpstream((req, res, body) => {
    if (req.method !== 'POST') return reads(req, res, body);
    const { id, sku, price } = JSON.parse(body) as { id: number; sku: string; price: number };
    pool.query(insert, [id, sku, `Product ${sku}`, price]).then(
      () => res.writeHead(201, { 'content-type': 'application/json' }).end(body),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
}

/** Writers through the proxy, one product every `everyMs`, recording who answered each. */
function startWriting(everyMs = 100) {
  const answers: { sku: string; status: number; backend: string | null }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const id = nextId++;
      const sku = `CUT-${id}`;
      void fetch(`${proxy.url}/api/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': `writer-${id % 7}` },
        body: JSON.stringify({ id, sku, price: 10 + (id % 50) }),
        signal: AbortSignal.timeout(30_000),
      }).then(
        (r) => answers.push({ sku, status: r.status, backend: r.headers.get('x-ficus-backend') }),
        () => answers.push({ sku, status: 0, backend: null }),
      );
      await sleep(everyMs);
    }
  })();
  return async () => {
    running = false;
    await loop;
    await sleep(2000); // the last answers
    return answers;
  };
}

/** The test's configuration with the service's upstream, as the proxy reads it. */
function withUpstream(configFile: string, upstream: string): string {
  const document = YAML.parse(fs.readFileSync(configFile, 'utf8'));
  document.services[service].upstream = upstream;
  const file = configFile.replace(/\.yaml$/, '.proxy.yaml');
  fs.writeFileSync(file, YAML.stringify(document));
  return file;
}

const fleet = () => syncFleetStore(kit.knex);
const reportOf = async (direction: Direction) =>
  (await fleet().workers(service)).workers.find((w) => w.direction === direction);

async function waitForState(direction: Direction, state: 'running' | 'standby') {
  return waitFor(
    `the ${direction} worker to report ${state}`,
    async () => {
      const report = await reportOf(direction);
      return report?.state === state && report;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${workers[direction].output().slice(-3000)}`);
  });
}

const legacySkus = async (skus: string[]) =>
  (
    await sql(fx.legacyUrl, 'SELECT sku FROM products WHERE sku = ANY($1) ORDER BY sku', [skus])
  ).rows.map((r) => r.sku as string);

beforeAll(async () => {
  fx = await createSinkFixture();
  service = fx.service;
  kit = fx.kit;
  const configFile = fx.configPath;
  config = loadConfig({ file: configFile });
  legacyKnex = knex({ client: 'pg', connection: fx.legacyUrl, pool: { min: 0, max: 2 } });
  await sql(
    fx.legacyUrl,
    "INSERT INTO products (id, sku, name, price) VALUES (1, 'SKU-1', 'Chair', 12.50), (2, 'SKU-2', 'Desk', 99)",
  );
  await applyConfiguredConnector(fx.plan, fx.plan.services[0], 'forward', { config });
  workers = {
    forward: await superviseSyncWorker(service, 'forward', configFile),
    reverse: await superviseSyncWorker(service, 'reverse', configFile),
  };
  await waitForState('forward', 'running');
  await waitForState('reverse', 'standby');
  await fx.waitInSync('products');

  monolith = await writingUpstream(
    'monolith',
    fx.legacyUrl,
    'INSERT INTO products (id, sku, name, price) VALUES ($1, $2, $3, $4)',
  );
  serviceSide = await writingUpstream(
    service,
    fx.serviceUrl,
    // as catalog does: the derived column is the service's own (the forward sink computes it too)
    `INSERT INTO products (id, sku, title, price_cents, search_text)
     VALUES ($1, $2, $3, ($4 * 100)::int, lower($3 || ' ' || $2))`,
  );
  const routes = testPlan(service).services[0];
  const proxyPlan: Plan = {
    ...fx.plan,
    services: [{ ...fx.plan.services[0], routes: routes.routes, compare: routes.compare }],
  };
  proxy = await startProxy(
    proxyPlan,
    { monolith: monolith.url, service: serviceSide.url },
    { FICUS_CONFIG: withUpstream(configFile, serviceSide.url) },
    { kitDb: null },
  );
  const stageDeps = { services: [service], unleash, kitDb: kit.knex };
  await changeStage({ service, stage: 'shadow', actor: 'test', force: true }, stageDeps);
  await changeStage(
    { service, stage: 'canary', percent: 50, actor: 'test', force: true },
    stageDeps,
  );
  deps = {
    plan: fx.plan,
    unleash,
    kitDb: kit.knex,
    // the proxy runs without a kit DB, so the fleet is the configured admin URL (the fallback)
    proxies: proxyFleet({
      kitDb: kit.knex,
      token: 'test-admin-token',
      fallbackUrl: proxy.adminUrl,
    }),
    progress: createProgress(),
    config,
  };
  await waitFor(
    'the proxy to route at canary',
    async () =>
      (await proxyAdmin({ url: proxy.adminUrl, token: 'test-admin-token' }).routes(service)).every(
        (r) => r.stage === 'canary',
      ),
    { timeoutMs: 15_000, intervalMs: 100 },
  );
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([monolith?.close(), serviceSide?.close()]);
  await Promise.all(Object.values(workers ?? {}).map((w) => w.stop()));
  await Promise.all(pools.map((p) => p.end()));
  await legacyKnex?.destroy();
  if (config) await dropConnectors();
  await unleash.deleteFlag(service).catch(() => undefined);
  await fx?.dispose();
});

/** The connectors moveWrites and the test applied, and their slots (or the databases stay). */
async function dropConnectors() {
  const connect = configuredConnectClient(config);
  for (const direction of ['forward', 'reverse'] as Direction[]) {
    const spec = configuredConnectorSpec(fx.plan, fx.plan.services[0], direction, config);
    if (await connect.findStatus(spec.name)) await connect.delete(spec.name);
    const url = direction === 'forward' ? fx.legacyUrl : fx.serviceUrl;
    await waitFor(
      `slot ${spec.slot} released`,
      async () =>
        (
          await sql(url, 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [
            spec.slot,
          ])
        ).rows.length === 0,
      { timeoutMs: 30_000 },
    ).catch(() => undefined);
    await sql(
      url,
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
      [spec.slot],
    ).catch(() => undefined);
  }
}

/** The service's latest cut-over as its journal has it. */
const latestJournal = async () =>
  kit.knex('cutover_journal').where({ service }).orderBy('id', 'desc').first();

/** Every worker process is the one the test started, and the kit DB knows no other. */
async function expectSameProcesses() {
  expect(workers.forward.alive()).toBe(true);
  expect(workers.reverse.alive()).toBe(true);
  const reported = (await fleet().workers(service)).workers.map((w) => [w.direction, w.pid]);
  expect(reported.sort()).toEqual([
    ['forward', workers.forward.pid],
    ['reverse', workers.reverse.pid],
  ]);
}

test('the cut-over switches the reverse workers on and waits for them; a write through the proxy reaches the legacy DB', async () => {
  expect((await reportOf('reverse'))?.state).toBe('standby');
  const stopWriting = startWriting();
  await sleep(1000);
  const cutover = await moveWrites(
    { service, to: { stage: 'live', percent: 0 }, actor: 'test', why: 'test', force: true },
    deps,
  );
  expect(cutover.direction).toBe('reverse');
  await sleep(1500);
  const answers = await stopWriting();

  const reverse = await fleet().readAssignment(service, 'reverse');
  expect(reverse.active).toBe(true);
  expect(await reportOf('reverse')).toMatchObject({
    state: 'running',
    generation: reverse.generation,
  });
  // every write was answered 201, those after the flip by the service
  expect(answers.filter((a) => a.status !== 201)).toEqual([]);
  const atService = answers.filter((a) => a.backend === service).map((a) => a.sku);
  expect(atService.length).toBeGreaterThan(0);
  // ...and reached the legacy DB through the reverse sync (the fence lets only the sync write)
  const all = answers.map((a) => a.sku).sort();
  await waitFor(
    'every write in the legacy DB',
    async () => (await legacySkus(all)).length === all.length,
    {
      timeoutMs: 60_000,
    },
  );
  expect(await legacySkus(all)).toEqual(all);
  expect(await fencedTables(legacyKnex, [PRODUCTS])).toEqual([PRODUCTS]);
  expect(await latestJournal()).toMatchObject({
    state: 'done',
    flipped: true,
    step: 'make the fence permanent',
  });
  // past the flip the fence no longer lapses
  const lease = await legacyKnex
    .withSchema('ficus_cdc')
    .table('fence_leases')
    .where({ service })
    .first();
  expect(lease.expires_at).toBeNull();
  await expectSameProcesses();
});

test('the rollback switches the reverse workers off and waits until they stand by', async () => {
  const forwardBefore = await fleet().readAssignment(service, 'forward');
  const rollback = await moveWrites(
    { service, to: { stage: 'canary', percent: 50 }, actor: 'test', why: 'test', force: true },
    deps,
  );
  expect(rollback.direction).toBe('forward');
  const reverse = await fleet().readAssignment(service, 'reverse');
  expect(reverse.active).toBe(false);
  expect(await reportOf('reverse')).toMatchObject({
    state: 'standby',
    generation: reverse.generation,
  });
  const forward = await fleet().readAssignment(service, 'forward');
  expect(forward).toMatchObject({ active: true, generation: forwardBefore.generation + 1 });
  expect(await reportOf('forward')).toMatchObject({ state: 'running' });
  expect(await fencedTables(legacyKnex, [PRODUCTS])).toEqual([]);
  // writes go to the monolith again, and the forward sync carries them to the service
  const stopWriting = startWriting();
  await sleep(1000);
  const answers = await stopWriting();
  expect(answers.every((a) => a.status === 201 && a.backend === 'monolith')).toBe(true);
  await fx.waitInSync('products');
  await expectSameProcesses();
});

test('a proxy of the fleet that cannot confirm the hold stops the cut-over, named, and everything is undone', async () => {
  // the test's proxy, and one killed before the hold whose lease has not yet lapsed
  const registry = proxyFleetStore(kit.knex);
  const row = { host: 'h', version: '0', url: null, stages: {}, stagesReadAt: null };
  await registry.renew({ ...row, proxyId: 'proxy-alive', pid: 1, adminUrl: proxy.adminUrl });
  const dead = `http://127.0.0.1:${await freePort()}`;
  await registry.renew({ ...row, proxyId: 'proxy-killed', pid: 2, adminUrl: dead });
  try {
    await expect(
      moveWrites(
        {
          service,
          to: { stage: 'live', percent: 0 },
          actor: 'test',
          why: 'test: a proxy down',
          force: true,
        },
        deps,
      ),
    ).rejects.toThrow(
      new RegExp(
        `abandoned at "hold writes on every proxy": 1 proxy could not confirm the hold for ${service}: proxy-killed at ${dead}`,
      ),
    );
    expect(await unleash.readStage(service)).toEqual({ stage: 'canary', percent: 50 });
    expect((await fleet().readAssignment(service, 'reverse')).active).toBe(false);
    expect(await fencedTables(legacyKnex, [PRODUCTS])).toEqual([]);
    expect(proxy.proxy.ctx.holds.isHeld(service)).toBe(false);
    expect(await registry.activeHolds()).toEqual([]);
    expect(await latestJournal()).toMatchObject({
      state: 'undone',
      flipped: false,
      step: 'hold writes on every proxy',
    });
  } finally {
    await registry.deregister('proxy-alive');
    await registry.deregister('proxy-killed');
  }
});

/** The reverse connector and its slot, as Connect and the service DB have them. */
async function reverseLeftovers() {
  const spec = configuredConnectorSpec(fx.plan, fx.plan.services[0], 'reverse', config);
  const connector = await configuredConnectClient(config).findStatus(spec.name);
  const slots = await sql(
    fx.serviceUrl,
    'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1',
    [spec.slot],
  );
  return { connector: connector !== undefined, slot: slots.rows.length > 0 };
}

test('a cut-over that fails at any step before the flip leaves no connector, slot, hold or fence it created', async () => {
  const steps = [
    'apply the reverse connector',
    'switch the reverse sync on',
    'wait for the reverse sync workers',
    'hold writes on every proxy',
    'wait for writes under way',
    'drain the forward sync',
    'align the service id sequences',
    'fence the legacy tables',
    'confirm the hold on every proxy',
    'flip the stage',
  ];
  await removeConfiguredConnector(fx.plan, fx.plan.services[0], 'reverse', config);
  for (const failAt of steps) {
    const injected = `injected failure at "${failAt}"`;
    await expect(
      moveWrites(
        { service, to: { stage: 'live', percent: 0 }, actor: 'test', why: failAt, force: true },
        {
          ...deps,
          beforeStep: async (step) => {
            if (step === failAt) throw new Error(injected);
          },
        },
      ),
    ).rejects.toThrow(`abandoned at "${failAt}": ${injected}`);
    expect({ failAt, stage: await unleash.readStage(service) }).toEqual({
      failAt,
      stage: { stage: 'canary', percent: 50 },
    });
    expect({ failAt, ...(await reverseLeftovers()) }).toEqual({
      failAt,
      connector: false,
      slot: false,
    });
    expect((await fleet().readAssignment(service, 'reverse')).active).toBe(false);
    expect(await fencedTables(legacyKnex, [PRODUCTS])).toEqual([]);
    expect(await proxyFleetStore(kit.knex).activeHolds()).toEqual([]);
    expect(proxy.proxy.ctx.holds.isHeld(service)).toBe(false);
    expect(await latestJournal()).toMatchObject({ state: 'undone', step: failAt });
  }
});

/** Runs the cut-over in a child process stopped at `stopAt`; resolves once it is there. */
async function cutoverStoppedAt(stopAt: string, holdBoundMs: number) {
  const input = {
    configFile: fx.configPath,
    service,
    to: { stage: 'live', percent: 0 },
    adminUrl: proxy.adminUrl,
    adminToken: 'test-admin-token',
    holdBoundMs,
    stopAt,
  };
  const child = spawn(
    process.execPath,
    [path.join(PACKAGE_ROOT, 'test-support', 'cutover-child.ts'), JSON.stringify(input)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  await waitFor(`the cut-over child at "${stopAt}"`, async () => output.includes(`AT ${stopAt}`), {
    timeoutMs: 60_000,
    intervalMs: 100,
  }).catch((error: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n${output}`);
  });
  return child;
}

const legacyWrite = () =>
  sql(fx.legacyUrl, 'INSERT INTO products (id, sku, name, price) VALUES ($1, $2, $3, 1)', [
    nextId,
    `MONO-${nextId}`,
    `monolith ${nextId++}`,
  ]);

test('a cut-over killed (SIGKILL) before the flip lapses within its leases, and the next command undoes it', async () => {
  const holdBoundMs = 1000; // the hold expires after 4 s
  const child = await cutoverStoppedAt('flip the stage', holdBoundMs);
  expect(await fencedTables(legacyKnex, [PRODUCTS])).toEqual([PRODUCTS]);
  await expect(legacyWrite()).rejects.toThrow(/refused/);
  expect(proxy.proxy.ctx.holds.isHeld(service)).toBe(true);
  const killedAt = Date.now();
  child.kill('SIGKILL');

  // with no command: the monolith owns its writes again within the fence's lease, the hold ends
  await waitFor(
    'a monolith write to pass the lapsed fence',
    () =>
      legacyWrite().then(
        () => true,
        () => false,
      ),
    {
      timeoutMs: CUTOVER_LEASE_MS + 3000,
      intervalMs: 200,
    },
  );
  await waitFor('the proxy hold to expire', async () => !proxy.proxy.ctx.holds.isHeld(service), {
    timeoutMs: holdBoundMs * 4 + 3000,
    intervalMs: 200,
  });
  expect(Date.now() - killedAt).toBeLessThan(Math.max(CUTOVER_LEASE_MS, holdBoundMs * 4) + 3000);
  expect(await unleash.readStage(service)).toEqual({ stage: 'canary', percent: 50 });
  const [interrupted] = await cutoverJournal(kit.knex).interrupted(service);
  expect(interrupted).toMatchObject({
    step: 'flip the stage',
    flipped: false,
    state: 'interrupted',
  });

  // the next command undoes it first, and nothing it made is left
  const recovered = await resolveInterruptedCutovers(service, { ...deps, actor: 'test' });
  expect(recovered).toEqual([{ id: interrupted.id, step: 'flip the stage', outcome: 'undone' }]);
  expect(await reverseLeftovers()).toEqual({ connector: false, slot: false });
  expect((await fleet().readAssignment(service, 'reverse')).active).toBe(false);
  expect(await fencedTables(legacyKnex, [PRODUCTS])).toEqual([]);
  expect(await proxyFleetStore(kit.knex).activeHolds()).toEqual([]);
  expect(await latestJournal()).toMatchObject({ state: 'undone' });
  await legacyWrite();
});

test('without a live reverse worker the cut-over is abandoned, naming the worker to start; forward stays as it was', async () => {
  await workers.reverse.stop(); // the supervisor stops it, not ficus
  await waitFor('the reverse worker to deregister', async () => !(await reportOf('reverse')), {
    timeoutMs: 15_000,
  });
  const forwardBefore = await fleet().readAssignment(service, 'forward');
  await expect(
    moveWrites(
      {
        service,
        to: { stage: 'live', percent: 0 },
        actor: 'test',
        why: 'test: no reverse worker',
        force: true,
        ackTimeoutMs: 3000,
      },
      deps,
    ),
  ).rejects.toThrow(
    new RegExp(
      `abandoned at "wait for the reverse sync workers": no reverse sync worker of ${service} .*ficus sync ${service} --direction reverse. under the supervisor`,
    ),
  );
  expect(await fleet().readAssignment(service, 'forward')).toEqual(forwardBefore);
  expect((await fleet().readAssignment(service, 'reverse')).active).toBe(false);
  expect(await unleash.readStage(service)).toEqual({ stage: 'canary', percent: 50 });
  expect(await fencedTables(legacyKnex, [PRODUCTS])).toEqual([]);
  expect(workers.forward.alive()).toBe(true);
  expect((await reportOf('forward'))?.pid).toBe(workers.forward.pid);
});
