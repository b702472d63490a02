/**
 * The write cut-over of a fleet, end to end: three real proxy processes (`proxy/main.ts`, each
 * registered in the suite's own kit DB) and two `ficus sync` workers per direction, on databases,
 * a service and an Unleash flag with random names. Writers create and update products through the
 * three proxies in turn at a steady rate while the service goes `canary -> live` and back
 * `live -> canary`: every write is answered 2xx, or 503 with Retry-After and then succeeds when
 * sent again; each product is on both sides exactly once with its last price, and `ficus verify`
 * is clean. Then the fleet misbehaves during the hold: a proxy killed (SIGKILL) while the writes
 * are held makes the cut-over stop and undo, naming it, and the monolith owns its writes again; a
 * proxy started while the writes are held holds them too until the release.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import pg from 'pg';
import YAML from 'yaml';
import { applyConfiguredConnector } from '../cdc/connect/configured-connectors.ts';
import { syncFleetStore } from '../cdc/fleet/sync-fleet-store.ts';
import { loadConfig, type FicusConfig } from '../lib/config/index.ts';
import { createKnex } from '../lib/database.ts';
import { PACKAGE_ROOT } from '../lib/package-paths.ts';
import { createProgress } from '../lib/progress.ts';
import { proxyFleetStore } from '../lib/proxy-fleet/proxy-fleet-store.ts';
import { sleep, waitFor } from '../lib/wait.ts';
import { parsePlan } from '../plan/load-plan.ts';
import type { Direction } from '../plan/mapping.ts';
import type { Plan } from '../plan/plan-types.ts';
import type { StageState } from '../plan/stages.ts';
import { startUpstream, testPlan, type FakeUpstream } from '../test-support/proxy-e2e-harness.ts';
import { superviseProxy, type SupervisedProxy } from '../test-support/proxy-supervisor.ts';
import { dropSuiteConnectors } from '../test-support/cutover-e2e-harness.ts';
import { createSinkFixture, sql, type SinkFixture } from '../test-support/sink-e2e-harness.ts';
import { stackUnleashAdmin } from '../test-support/stack-access.ts';
import { superviseSyncWorker, type SupervisedWorker } from '../test-support/sync-supervisor.ts';
import { moveWrites, type CutoverDeps } from './cutover.ts';
import { fencedTables } from './legacy-fence.ts';
import { proxyFleet } from './proxy-fleet-client.ts';
import { changeStage } from './stage-change.ts';
import { expectNoChildPgOverlap, failOnPgQueryOverlap } from '../test-support/pg-overlap-guard.ts';

jest.setTimeout(300_000);

failOnPgQueryOverlap();

const PRODUCTS = { schema: 'public', table: 'products' };
const WORKERS_PER_DIRECTION = 2;
const CANARY: StageState = { stage: 'canary', percent: 50 };
const LIVE: StageState = { stage: 'live', percent: 0 };

const unleash = stackUnleashAdmin();
let fx: SinkFixture;
let service: string;
let plan: Plan;
let configFile: string;
let config: FicusConfig;
let deps: CutoverDeps;
let legacyKnex: ReturnType<typeof createKnex>;
const workers: SupervisedWorker[] = [];
const upstreams: FakeUpstream[] = [];
const pools: pg.Pool[] = [];
let proxies: SupervisedProxy[] = [];

/**
 * An upstream that writes each product into its own database, as the real sides do: POST creates
 * it, PUT sets its price (404 when the row is not there: a write routed to a side that lacks it).
 */
async function writingUpstream(side: string, url: string, insert: string, update: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pools.push(pool);
  return startUpstream((req, res, body) => {
    const answer = (status: number, payload: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    const failed = (error: Error) => answer(500, { side, error: error.message });
    const { id, sku, price } = JSON.parse(body || '{}') as {
      id: number;
      sku: string;
      price: number;
    };
    if (req.method === 'POST')
      return void pool
        .query(insert, [id, sku, `Product ${sku}`, price])
        .then(() => answer(201, { side, id }), failed);
    if (req.method === 'PUT')
      return void pool
        .query(update, [Number(/\/api\/products\/(\d+)/.exec(req.url ?? '')?.[1]), price])
        .then((r) => answer(r.rowCount === 1 ? 200 : 404, { side, updated: r.rowCount }), failed);
    answer(405, { side });
  });
}

/** One write as the writer saw it: its final answer, and the refusals (503) before it. */
type Write = {
  id: number;
  kind: 'create' | 'update';
  price: number;
  status: number;
  backend: string | null;
  refused: { status: number; retryAfter: string | null }[];
  error?: string;
};

/**
 * Writers creating and updating products through `targets()` in turn (round robin), `lanes` at
 * once, each lane one create then one update of it, again and again. A 503 with Retry-After is
 * sent again after the time it names (through the next proxy); anything else is the write's answer.
 */
function startWriters(targets: () => SupervisedProxy[], firstId: number, lanes = 4) {
  const writes: Write[] = [];
  let nextId = firstId;
  let turn = 0;
  let running = true;
  let refusals = 0;
  const send = async (write: Omit<Write, 'status' | 'backend' | 'refused'>) => {
    const record: Write = { ...write, status: 0, backend: null, refused: [] };
    const sku = `FLEET-${write.id}`;
    const body = JSON.stringify({ id: write.id, sku, price: write.price });
    for (let attempt = 0; attempt < 30; attempt++) {
      const list = targets();
      const proxy = list[turn++ % list.length];
      const path = write.kind === 'create' ? '/api/products' : `/api/products/${write.id}`;
      let response: Response;
      try {
        response = await fetch(proxy.url + path, {
          method: write.kind === 'create' ? 'POST' : 'PUT',
          headers: { 'content-type': 'application/json', 'x-user-id': `writer-${write.id % 7}` },
          body,
          signal: AbortSignal.timeout(60_000),
        });
      } catch (error) {
        record.error = `${proxy.url}: ${(error as Error).message}`;
        break;
      }
      const text = await response.text();
      const retryAfter = response.headers.get('retry-after');
      if (response.status === 503 && retryAfter) {
        record.refused.push({ status: 503, retryAfter });
        refusals++;
        await sleep(Number(retryAfter) * 1000); // the client does as told
        continue;
      }
      record.status = response.status;
      record.backend = response.headers.get('x-ficus-backend');
      if (response.status >= 300) record.error = text.slice(0, 300);
      break;
    }
    writes.push(record);
    return record;
  };
  const lane = async () => {
    while (running) {
      const id = nextId++;
      const created = await send({ id, kind: 'create', price: 10 + (id % 50) });
      if (created.status === 201) await send({ id, kind: 'update', price: 20.25 + (id % 50) });
      await sleep(100); // a steady pace: a few tens of writes a second over all lanes
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, lane));
  return {
    writes,
    /** 503s with Retry-After so far */
    refusals: () => refusals,
    /** writes answered by `backend` so far */
    answeredBy: (backend: string) => writes.filter((w) => w.backend === backend).length,
    stop: async () => {
      running = false;
      await done;
      return writes;
    },
  };
}

/** The products the writers made, as one side has them: sku -> [how many rows, price]. */
async function productsOn(url: string, priceColumn: string) {
  const { rows } = await sql(
    url,
    `SELECT sku, count(*)::int AS n, max(${priceColumn})::float AS price FROM products
      WHERE sku LIKE 'FLEET-%' GROUP BY sku`,
  );
  return new Map(rows.map((r) => [r.sku as string, { rows: r.n as number, price: r.price }]));
}

/** What each product must be on both sides: one row, at the last price a write set. */
function expectedProducts(writes: Write[]) {
  const expected = new Map<string, { rows: number; price: number }>();
  for (const w of writes.filter((w) => w.status >= 200 && w.status < 300).sort(byKind))
    expected.set(`FLEET-${w.id}`, { rows: 1, price: w.price });
  return expected;
}
const byKind = (a: Write, b: Write) => a.id - b.id || (a.kind === 'create' ? -1 : 1);

/** The plan with the service's routes, and a configuration naming it and both upstreams. */
function proxyReadyConfig(monolith: string, serviceUrl: string): string {
  const planDocument = YAML.parse(fs.readFileSync(fx.plan.file, 'utf8'));
  planDocument.services[service].routes = testPlan(service).services[0].routes;
  const planFile = fx.plan.file.replace(/\.yaml$/, '.routed.yaml');
  fs.writeFileSync(planFile, YAML.stringify(planDocument));
  plan = parsePlan(fs.readFileSync(planFile, 'utf8'), planFile);
  const document = YAML.parse(fs.readFileSync(fx.configPath, 'utf8'));
  document.plan = planFile;
  document.monolith = { ...document.monolith, upstream: monolith };
  document.services[service].upstream = serviceUrl;
  document.services[`${service}o`].upstream = monolith; // the plan's second service: no routes
  const file = fx.configPath.replace(/\.yaml$/, '.fleet.yaml');
  fs.writeFileSync(file, YAML.stringify(document));
  return file;
}

const fleetStore = () => syncFleetStore(fx.kit.knex);

/** Waits until `count` workers of `direction` report `state` at the assignment's generation. */
async function waitForWorkers(direction: Direction, state: 'running' | 'standby') {
  await waitFor(
    `${WORKERS_PER_DIRECTION} ${direction} workers to report ${state}`,
    async () =>
      (await fleetStore().workers(service)).workers.filter(
        (w) => w.direction === direction && w.state === state,
      ).length === WORKERS_PER_DIRECTION,
    { timeoutMs: 60_000, intervalMs: 200 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${workers.map((w) => w.output().slice(-1500)).join('\n')}`);
  });
}

/** Waits until every proxy of the fleet routes the service by `stage` (their admin API). */
async function waitForFleetAt(stage: string) {
  const fleet = deps.proxies;
  await waitFor(
    `every proxy to route ${service} by ${stage}`,
    async () => {
      const members = await fleet.members();
      const routes = await Promise.all(members.map((m) => m.admin.routes(service)));
      return routes.every((r) => r.length > 0 && r.every((route) => route.stage === stage));
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

async function ficusVerify() {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(PACKAGE_ROOT, 'bin', 'ficus.js'), 'verify', service, '--json'],
    { env: { ...process.env, FICUS_CONFIG: configFile }, maxBuffer: 10 * 1024 * 1024 },
  ).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    // a report that is not clean exits non-zero: its JSON is still the answer
    if (error.stdout?.trim().startsWith('{')) return { stdout: error.stdout };
    throw new Error(`ficus verify failed: ${error.message}\n${error.stderr ?? ''}`);
  });
  return JSON.parse(stdout) as { clean: boolean; tables: { source: string; rows: number }[] };
}

beforeAll(async () => {
  fx = await createSinkFixture();
  service = fx.service;
  legacyKnex = createKnex(fx.legacyUrl, { poolMax: 2 });
  const monolith = await writingUpstream(
    'monolith',
    fx.legacyUrl,
    'INSERT INTO products (id, sku, name, price) VALUES ($1, $2, $3, $4)',
    'UPDATE products SET price = $2, updated_at = now() WHERE id = $1',
  );
  const serviceSide = await writingUpstream(
    service,
    fx.serviceUrl,
    // as catalog does: the derived column is the service's own (the forward sink computes it too)
    `INSERT INTO products (id, sku, title, price_cents, search_text)
     VALUES ($1, $2, $3, round($4::numeric * 100)::bigint, lower($3 || ' ' || $2))`,
    'UPDATE products SET price_cents = round($2::numeric * 100)::bigint, updated_at = now() WHERE id = $1',
  );
  upstreams.push(monolith, serviceSide);
  configFile = proxyReadyConfig(monolith.url, serviceSide.url);
  config = loadConfig({ file: configFile });

  await applyConfiguredConnector(plan, plan.services[0], 'forward', { config });
  for (const direction of ['forward', 'reverse'] as Direction[])
    for (let i = 0; i < WORKERS_PER_DIRECTION; i++)
      workers.push(await superviseSyncWorker(service, direction, configFile));
  await waitForWorkers('forward', 'running');
  await waitForWorkers('reverse', 'standby');

  for (let i = 0; i < 3; i++) proxies.push(await superviseProxy(configFile));
  deps = {
    plan,
    unleash,
    kitDb: fx.kit.knex,
    proxies: proxyFleet({
      kitDb: fx.kit.knex,
      token: config.proxy.adminToken!,
      fallbackUrl: 'http://127.0.0.1:9', // never used: the three proxies are registered
    }),
    progress: createProgress(),
    config,
  };
  expect((await deps.proxies.members()).map((m) => m.adminUrl).sort()).toEqual(
    proxies.map((p) => p.adminUrl).sort(),
  );
  const stageDeps = { services: [service], unleash, kitDb: fx.kit.knex, fleet: deps.proxies };
  await changeStage({ service, stage: 'shadow', actor: 'test', force: true }, stageDeps);
  await changeStage({ service, ...CANARY, actor: 'test', force: true }, stageDeps);
  await waitForFleetAt('canary');
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all(workers.map((w) => w.stop()));
  await Promise.all(upstreams.map((u) => u.close()));
  await Promise.all(pools.map((p) => p.end()));
  await legacyKnex?.destroy();
  if (config) await dropSuiteConnectors(config, plan, fx);
  await unleash.deleteFlag(service).catch(() => undefined);
  await fx?.dispose();
  expectNoChildPgOverlap([
    ...proxies.map((p, i) => ({ ...p, name: `proxy ${i + 1}` })),
    ...workers.map((w) => ({ ...w, name: `a ${w.direction} sync worker` })),
  ]);
});

/** The cut-over or the rollback as `ficus stage` runs it; `beforeStep` lets a test act mid-way. */
const move = (
  to: StageState,
  why: string,
  beforeStep?: CutoverDeps['beforeStep'],
  holdBoundMs?: number,
) =>
  moveWrites(
    { service, to, actor: 'test', why, force: true, holdBoundMs },
    { ...deps, beforeStep },
  );

test('writers through three proxies, two workers per direction: canary -> live -> canary loses, refuses and doubles nothing', async () => {
  const writers = startWriters(() => proxies, 1000);
  await waitFor(
    'writes answered by the monolith',
    async () => writers.answeredBy('monolith') > 40,
    {
      timeoutMs: 30_000,
    },
  );
  // with a short hold bound, and the drain waiting until a held write has been refused (503 +
  // Retry-After), some writes take the refusal path: they must be sent again and land once
  const cutover = await move(
    LIVE,
    'fleet writers: cut-over',
    async (step) => {
      if (step === 'drain the forward sync')
        await waitFor('a held write refused past its bound', async () => writers.refusals() > 0, {
          timeoutMs: 15_000,
          intervalMs: 50,
        });
    },
    3000,
  );
  expect(cutover.change.propagation).toMatchObject({ proxies: 3, missing: [] });
  const atService = writers.answeredBy(service);
  await waitFor(
    'writes answered by the service',
    async () => writers.answeredBy(service) > atService + 40,
    { timeoutMs: 30_000 },
  );
  const rollback = await move(CANARY, 'fleet writers: rollback');
  expect(rollback.change.propagation).toMatchObject({ proxies: 3, missing: [] });
  const atMonolith = writers.answeredBy('monolith');
  await waitFor(
    'writes answered by the monolith again',
    async () => writers.answeredBy('monolith') > atMonolith + 40,
    { timeoutMs: 30_000 },
  );
  const writes = await writers.stop();

  // every write answered 2xx, perhaps after 503s that each named when to come back
  expect(writes.filter((w) => w.status < 200 || w.status >= 300)).toEqual([]);
  expect(writes.flatMap((w) => w.refused).filter((r) => !(Number(r.retryAfter) >= 1))).toEqual([]);
  // ...and the writes refused during the hold were among them, answered when sent again
  expect(writes.filter((w) => w.refused.length > 0).length).toBeGreaterThan(0);
  // all three proxies carried writes to both owners, creates and updates alike
  for (const kind of ['create', 'update'])
    for (const backend of ['monolith', service])
      expect({
        kind,
        backend,
        some: writes.some((w) => w.kind === kind && w.backend === backend),
      }).toEqual({ kind, backend, some: true });

  // each product once on both sides, at its last price (the sync of the writes at the service back
  // to the legacy DB, and of the last ones at the monolith forward again)
  const expected = expectedProducts(writes);
  await fx.waitInSync('products');
  expect(await productsOn(fx.legacyUrl, 'price')).toEqual(expected);
  expect(await productsOn(fx.serviceUrl, 'price_cents / 100.0')).toEqual(expected);
  const verified = await ficusVerify();
  expect(verified.clean).toBe(true);
  expect(verified.tables.find((t) => t.source === 'products')?.rows).toBe(expected.size);
  expect(await fencedTables(legacyKnex, [PRODUCTS])).toEqual([]);
  expect(await proxyFleetStore(fx.kit.knex).activeHolds()).toEqual([]);
});

/** The registered id of a proxy process, by its admin URL. */
async function registeredId(proxy: SupervisedProxy) {
  const member = (await deps.proxies.members()).find((m) => m.adminUrl === proxy.adminUrl);
  if (!member) throw new Error(`no live registration for the proxy at ${proxy.adminUrl}`);
  return member.id;
}

/** A proxy's GET /admin/routes: its routes with their stage and hold, and its holds. */
async function adminRoutes(proxy: SupervisedProxy) {
  const response = await fetch(`${proxy.adminUrl}/admin/routes`, {
    headers: { authorization: `Bearer ${config.proxy.adminToken}` },
  });
  return (await response.json()) as {
    routes: { service: string; stage: string; writesHeld: boolean }[];
    holds: { service: string; waiting: number }[];
  };
}
const routesOf = async (proxy: SupervisedProxy) =>
  (await adminRoutes(proxy)).routes.filter((r) => r.service === service);

const latestJournal = async () =>
  fx.kit.knex('cutover_journal').where({ service }).orderBy('id', 'desc').first();

test('a proxy killed during the hold stops the cut-over, named; everything is undone and the monolith owns its writes', async () => {
  const victim = proxies[2];
  const survivors = proxies.slice(0, 2);
  const victimId = await registeredId(victim);
  const writers = startWriters(() => survivors, 5000);
  await expect(
    move(LIVE, 'a proxy dies', async (step) => {
      // the writes are held on all three and none is under way: now one of them dies
      if (step === 'drain the forward sync') await victim.kill();
    }),
  ).rejects.toThrow(
    new RegExp(
      `write cut-over of ${service} abandoned at "confirm the hold on every proxy": 1 proxy could not confirm it still holds the writes for ${service}: ${victimId} at ${victim.adminUrl}`,
    ),
  );
  proxies = survivors;
  const writes = await writers.stop();

  // the monolith owns its writes again: no fence, no hold, the stage and the syncs as they were
  expect(await unleash.readStage(service)).toEqual(CANARY);
  expect(await fencedTables(legacyKnex, [PRODUCTS])).toEqual([]);
  expect(await proxyFleetStore(fx.kit.knex).activeHolds()).toEqual([]);
  expect((await fleetStore().readAssignment(service, 'reverse')).active).toBe(false);
  expect(await latestJournal()).toMatchObject({ state: 'undone', flipped: false });
  for (const p of survivors) expect((await routesOf(p)).some((r) => r.writesHeld)).toBe(false);
  // the writes held on the survivors went to the monolith once released, and new ones do too
  expect(writes.filter((w) => w.status < 200 || w.status >= 300)).toEqual([]);
  expect(writes.filter((w) => w.backend !== 'monolith')).toEqual([]);
  const after = startWriters(() => survivors, 6000, 1);
  await waitFor('a write after the undo', async () => after.writes.length >= 2, {
    timeoutMs: 30_000,
  });
  expect((await after.stop()).filter((w) => w.status >= 300 || w.backend !== 'monolith')).toEqual(
    [],
  );
  await fx.waitInSync('products');
  expect(await productsOn(fx.legacyUrl, 'price')).toEqual(
    await productsOn(fx.serviceUrl, 'price_cents / 100.0'),
  );
});

test('a proxy started during the hold holds its writes until the release, then they go to the new owner', async () => {
  // the killed proxy's lease lapses: the fleet is the two that run
  await waitFor(
    'the killed proxy to drop from the fleet',
    async () => (await deps.proxies.members()).length === proxies.length,
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  let late: SupervisedProxy | undefined;
  let heldWrite: Promise<Response> | undefined;
  let heldWhenStarted: boolean[] = [];
  const cutover = await move(LIVE, 'a proxy joins', async (step) => {
    if (step !== 'drain the forward sync') return;
    late = await superviseProxy(configFile);
    heldWhenStarted = (await routesOf(late)).map((r) => r.writesHeld);
    heldWrite = fetch(`${late.url}/api/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': 'late-writer' },
      body: JSON.stringify({ id: 7000, sku: 'FLEET-7000', price: 70 }),
      signal: AbortSignal.timeout(60_000),
    });
    await waitFor(
      'the write to wait at the late proxy',
      async () => {
        const { holds } = await adminRoutes(late!);
        return holds.some((h) => h.service === service && h.waiting === 1);
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
  });
  proxies.push(late!);
  expect(heldWhenStarted.length).toBeGreaterThan(0);
  expect(heldWhenStarted.every(Boolean)).toBe(true);
  expect(cutover.change.propagation).toMatchObject({ proxies: 3, missing: [] });
  const answer = await heldWrite!;
  expect({ status: answer.status, backend: answer.headers.get('x-ficus-backend') }).toEqual({
    status: 201,
    backend: service,
  });
  for (const p of proxies) expect((await routesOf(p)).some((r) => r.writesHeld)).toBe(false);
  await waitFor(
    'the held write in the legacy DB through the reverse sync',
    async () => (await productsOn(fx.legacyUrl, 'price')).get('FLEET-7000')?.price === 70,
    { timeoutMs: 60_000 },
  );
});
