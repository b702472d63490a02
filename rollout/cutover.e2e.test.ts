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
import { jest } from '@jest/globals';
import { sleep, waitFor } from '../lib/wait.ts';
import type { Direction } from '../plan/mapping.ts';
import { sql } from '../test-support/sink-e2e-harness.ts';
import {
  createCutoverWorld,
  PRODUCTS,
  type CutoverWorld,
} from '../test-support/cutover-e2e-harness.ts';
import { freePort } from '../test-support/sync-supervisor.ts';
import { proxyFleetStore } from '../lib/proxy-fleet/proxy-fleet-store.ts';
import { moveWrites } from './cutover.ts';
import { removeConfiguredConnector } from '../cdc/connect/configured-connectors.ts';
import { fencedTables } from './legacy-fence.ts';
import { failOnPgQueryOverlap } from '../test-support/pg-overlap-guard.ts';

jest.setTimeout(240_000);

failOnPgQueryOverlap();

let world: CutoverWorld;
// the world's parts, by the names the tests use
let fx: CutoverWorld['fx'];
let kit: CutoverWorld['kit'];
let config: CutoverWorld['config'];
let service: string;
let workers: CutoverWorld['workers'];
let proxy: CutoverWorld['proxy'];
let deps: CutoverWorld['deps'];
let legacyKnex: CutoverWorld['legacyKnex'];
let unleash: CutoverWorld['unleash'];

beforeAll(async () => {
  world = await createCutoverWorld();
  ({ fx, kit, config, service, workers, proxy, deps, legacyKnex, unleash } = world);
});

afterAll(async () => {
  await world?.dispose();
});

const fleet = () => world.fleet();
const reportOf = (direction: Direction) => world.reportOf(direction);
const latestJournal = () => world.latestJournal();
const reverseLeftovers = () => world.reverseLeftovers();
const startWriting = () => world.startWriting();

const legacySkus = async (skus: string[]) =>
  (
    await sql(fx.legacyUrl, 'SELECT sku FROM products WHERE sku = ANY($1) ORDER BY sku', [skus])
  ).rows.map((r) => r.sku as string);

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
    step: 'release the writes',
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
