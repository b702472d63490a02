/**
 * The write cut-over (`canary -> live`) and the rollback (`live -> canary`) killed with SIGKILL at
 * each step their journal records, one test per step, with writes going through the proxy all the
 * while. The cut-over runs in a child process that stops at the step (test-support/cutover-child.ts)
 * and is killed there. Then, with no command, within the lease (`cutover.lease`, short here by
 * configuration) and the hold's expiry: before the flip the monolith owns its writes again (a
 * cut-over) or the fence stands again for the service (a rollback); after the flip the new owner
 * has them (the cut-over's fence stays). `ficus status` names the interrupted cut-over and its
 * step; the next command undoes it (before the flip) or finishes it (after), leaving nothing the
 * cut-over created when it was undone; every write is answered (a 503 with Retry-After is sent
 * again, as a client does) and is on both sides exactly once; `ficus verify` is clean.
 */
import type { ChildProcess } from 'node:child_process';
import { jest } from '@jest/globals';
import { removeConfiguredConnector } from '../cdc/connect/configured-connectors.ts';
import { proxyFleetStore } from '../lib/proxy-fleet/proxy-fleet-store.ts';
import { waitFor } from '../lib/wait.ts';
import {
  createCutoverWorld,
  PRODUCTS,
  type CutoverWorld,
  type WriteAnswer,
} from '../test-support/cutover-e2e-harness.ts';
import { sql } from '../test-support/sink-e2e-harness.ts';
import { moveWrites } from './cutover.ts';
import { cutoverJournal } from './cutover-journal.ts';
import { resolveInterruptedCutovers } from './cutover-recovery.ts';
import { FENCE_LEASES, fencedTables } from './legacy-fence.ts';
import { serviceStatus } from './service-status.ts';
import { failOnPgQueryOverlap } from '../test-support/pg-overlap-guard.ts';

jest.setTimeout(120_000);

failOnPgQueryOverlap();

const LEASE_MS = 1500;
const HOLD_BOUND_MS = 500; // the hold expires max(4 x bound, lease + bound) after its last renewal
const LIVE = { stage: 'live', percent: 0 } as const;
const CANARY = { stage: 'canary', percent: 50 } as const;

/** Each step the journal records, in order, and whether the stage has flipped when it starts. */
const CUTOVER_STEPS: [string, 'before' | 'after'][] = [
  ['apply the reverse connector', 'before'],
  ['switch the reverse sync on', 'before'],
  ['wait for the reverse sync workers', 'before'],
  ['hold writes on every proxy', 'before'],
  ['wait for writes under way', 'before'],
  ['drain the forward sync', 'before'],
  ['align the service id sequences', 'before'],
  ['fence the legacy tables', 'before'],
  ['confirm the hold on every proxy', 'before'],
  ['flip the stage', 'before'],
  ['wait for every proxy to route by the new stage', 'after'],
  ['release the writes', 'after'],
];
const ROLLBACK_STEPS: [string, 'before' | 'after'][] = [
  ['switch the forward sync on', 'before'],
  ['wait for the forward sync workers', 'before'],
  ['hold writes on every proxy', 'before'],
  ['wait for writes under way', 'before'],
  ['drain the reverse sync', 'before'],
  ['lift the legacy fence', 'before'],
  ['align the legacy id sequences', 'before'],
  ['confirm the hold on every proxy', 'before'],
  ['flip the stage', 'before'],
  ['wait for every proxy to route by the new stage', 'after'],
  ['release the writes', 'after'],
  ['switch the reverse sync off', 'after'],
];

let world: CutoverWorld;

beforeAll(async () => {
  world = await createCutoverWorld({ cutover: { lease: `${LEASE_MS}ms` } });
}, 240_000);

afterAll(async () => {
  await world?.dispose();
});

/** Brings the service to `target` by an uninterrupted move, if it is not there. */
async function ensureAt(target: typeof LIVE | typeof CANARY) {
  const now = await world.unleash.readStage(world.service);
  if (now.stage === target.stage) return;
  await moveWrites(
    { service: world.service, to: target, actor: 'test', why: 'test: set up', force: true },
    world.deps,
  );
}

const stageNow = async () => (await world.unleash.readStage(world.service)).stage;

const monolithMayWrite = () =>
  world.legacyWrite().then(
    () => true,
    (error: Error) => {
      if (!/refused/.test(error.message)) throw error;
      return false;
    },
  );

/** Waits until the killed cut-over's journal lease has lapsed: it reads as interrupted. */
const interruptedEntry = () =>
  waitFor(
    'the journal to read the cut-over as interrupted',
    async () => (await cutoverJournal(world.kit.knex).interrupted(world.service))[0],
    { timeoutMs: LEASE_MS * 4, intervalMs: 100 },
  );

/** Every write was answered 201 (some after 503s) and is on both sides exactly once. */
async function expectWritesOnceOnBothSides(answers: WriteAnswer[]) {
  expect(answers.filter((a) => a.status !== 201)).toEqual([]);
  const skus = answers.map((a) => a.sku).sort();
  const count = (url: string) =>
    sql(url, 'SELECT sku, count(*)::int AS n FROM products WHERE sku = ANY($1) GROUP BY sku', [
      skus,
    ]).then((r) => r.rows as { sku: string; n: number }[]);
  await waitFor(
    'every write on both sides',
    async () =>
      (await count(world.fx.legacyUrl)).length === skus.length &&
      (await count(world.fx.serviceUrl)).length === skus.length,
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  for (const url of [world.fx.legacyUrl, world.fx.serviceUrl])
    expect((await count(url)).filter((r) => r.n !== 1)).toEqual([]);
  await world.fx.waitInSync('products');
  expect((await world.fx.verify()).clean).toBe(true);
}

/** What is left after the next command resolved the interrupted cut-over. */
async function leftState() {
  const { service, kit, legacyKnex, proxy, fleet } = world;
  // no lease table before the first fence
  const { rows } = await legacyKnex.raw('SELECT to_regclass(?) IS NOT NULL AS made', [
    FENCE_LEASES,
  ]);
  const lease = rows[0].made
    ? await legacyKnex.raw(`SELECT expires_at FROM ${FENCE_LEASES} WHERE service = ?`, [service])
    : { rows: [] };
  return {
    stage: (await world.unleash.readStage(service)).stage,
    fenced: (await fencedTables(legacyKnex, [PRODUCTS])).length > 0,
    fencePermanent: lease.rows[0]?.expires_at === null,
    reverseOn: (await fleet().readAssignment(service, 'reverse')).active,
    forwardOn: (await fleet().readAssignment(service, 'forward')).active,
    holds: await proxyFleetStore(kit.knex).activeHolds(),
    proxyHolds: proxy.proxy.ctx.holds.isHeld(service),
    ...(await world.reverseLeftovers()),
  };
}

/** Kills the cut-over stopped at `step` while writes run; returns the writes' answers. */
async function killAt(step: string, to: typeof LIVE | typeof CANARY) {
  const stopWriting = world.startWriting(100, true);
  let child: ChildProcess | undefined;
  try {
    child = await world.cutoverStoppedAt(step, to, HOLD_BOUND_MS);
    child.kill('SIGKILL');
    return { stopWriting };
  } catch (error) {
    await stopWriting();
    throw error;
  }
}

/** `ficus status` names the interrupted cut-over, its step and which side of the flip it died. */
async function expectStatusNames(step: string, flipped: boolean) {
  const report = await serviceStatus({
    plan: world.fx.plan,
    kitDb: world.kit.knex,
    unleash: world.unleash,
    syncLag: () => async () => ({ lagMs: null, note: 'not measured in this test' }),
  });
  const mine = report.services.find((s) => s.name === world.service);
  expect(mine?.cutover).toMatchObject({ step, flipped });
}

const resolveNext = () =>
  resolveInterruptedCutovers(world.service, { ...world.deps, actor: 'test: the next command' });

describe('the cut-over (canary -> live) killed with SIGKILL', () => {
  test.each(CUTOVER_STEPS)('at "%s" (%s the flip)', async (step, side) => {
    await ensureAt(CANARY);
    // the connector this cut-over creates must be gone again after an undo
    await removeConfiguredConnector(
      world.fx.plan,
      world.fx.plan.services[0],
      'reverse',
      world.config,
    );
    const { stopWriting } = await killAt(step, LIVE);
    const entry = await interruptedEntry();
    expect(entry).toMatchObject({ step, flipped: side === 'after' });
    // with no command, within the lease and the hold's expiry
    if (side === 'before') {
      await waitFor('the monolith to own its writes again', monolithMayWrite, {
        timeoutMs: LEASE_MS * 3,
        intervalMs: 100,
      });
      expect(await stageNow()).toBe('canary');
    } else {
      expect(await monolithMayWrite()).toBe(false); // the fence outlived the lease
      expect(await stageNow()).toBe('live');
    }
    await waitFor(
      'the proxy hold to end',
      async () => !world.proxy.proxy.ctx.holds.isHeld(world.service),
      {
        timeoutMs: (LEASE_MS + HOLD_BOUND_MS) * 3,
        intervalMs: 100,
      },
    );
    await expectStatusNames(step, side === 'after');
    const answers = await stopWriting();

    const recovered = await resolveNext();
    expect(recovered).toEqual([
      { id: entry.id, step, outcome: side === 'before' ? 'undone' : 'finished' },
    ]);
    expect(await world.latestJournal()).toMatchObject({
      state: side === 'before' ? 'undone' : 'done',
    });
    const left = await leftState();
    if (side === 'before')
      expect(left).toMatchObject({
        stage: 'canary',
        fenced: false,
        reverseOn: false,
        forwardOn: true,
        holds: [],
        proxyHolds: false,
        connector: false,
        slot: false,
      });
    else
      expect(left).toMatchObject({
        stage: 'live',
        fenced: true,
        fencePermanent: true,
        reverseOn: true,
        holds: [],
        proxyHolds: false,
        connector: true,
      });
    expect(await monolithMayWrite()).toBe(side === 'before');
    await expectWritesOnceOnBothSides(answers);
  });
});

describe('the rollback (live -> canary) killed with SIGKILL', () => {
  test.each(ROLLBACK_STEPS)('at "%s" (%s the flip)', async (step, side) => {
    await ensureAt(LIVE);
    const { stopWriting } = await killAt(step, CANARY);
    const entry = await interruptedEntry();
    expect(entry).toMatchObject({ step });
    if (side === 'before') {
      // the service still owns the writes: the fence stands (again, once the lift has lapsed)
      await waitFor('the fence to stand', async () => !(await monolithMayWrite()), {
        timeoutMs: LEASE_MS * 3,
        intervalMs: 100,
      });
      expect(await stageNow()).toBe('live');
    } else {
      expect(await monolithMayWrite()).toBe(true);
      expect(await stageNow()).toBe('canary');
    }
    await waitFor(
      'the proxy hold to end',
      async () => !world.proxy.proxy.ctx.holds.isHeld(world.service),
      {
        timeoutMs: (LEASE_MS + HOLD_BOUND_MS) * 3,
        intervalMs: 100,
      },
    );
    await expectStatusNames(step, side === 'after');
    const answers = await stopWriting();

    const recovered = await resolveNext();
    expect(recovered).toEqual([
      { id: entry.id, step, outcome: side === 'before' ? 'undone' : 'finished' },
    ]);
    const left = await leftState();
    if (side === 'before')
      expect(left).toMatchObject({
        stage: 'live',
        fenced: true,
        fencePermanent: true,
        reverseOn: true,
        forwardOn: true,
        holds: [],
        proxyHolds: false,
      });
    else
      expect(left).toMatchObject({
        stage: 'canary',
        fenced: false,
        reverseOn: false,
        forwardOn: true,
        holds: [],
        proxyHolds: false,
      });
    expect(await monolithMayWrite()).toBe(side === 'after');
    await expectWritesOnceOnBothSides(answers);
  });
});

test('a cut-over stalled but alive stops renewing its leases: it lapses like a dead one, and undoes nothing when it wakes', async () => {
  await ensureAt(CANARY);
  const stalledAt = 'drain the forward sync';
  let wake = () => {};
  const woken = new Promise<void>((resolve) => (wake = resolve));
  let reached = false;
  const cutover = moveWrites(
    {
      service: world.service,
      to: LIVE,
      actor: 'test',
      why: 'test: stalled',
      force: true,
      holdBoundMs: HOLD_BOUND_MS,
      stallAfterMs: 1000,
    },
    {
      ...world.deps,
      beforeStep: async (step) => {
        if (step !== stalledAt) return;
        reached = true;
        await woken; // stuck, as on a hung connection, while the process lives on
      },
    },
  ).then(
    () => null,
    (error: Error) => error,
  );
  try {
    await waitFor(`the cut-over at "${stalledAt}"`, async () => reached, { timeoutMs: 60_000 });
    const entry = await interruptedEntry();
    expect(entry).toMatchObject({ step: stalledAt, flipped: false });
    await waitFor(
      'the hold to end',
      async () => !world.proxy.proxy.ctx.holds.isHeld(world.service),
      {
        timeoutMs: (LEASE_MS + HOLD_BOUND_MS) * 3,
        intervalMs: 100,
      },
    );
    await expectStatusNames(stalledAt, false);
  } finally {
    wake();
  }
  // woken, it goes no further and undoes nothing: the interrupted cut-over is the next command's
  expect((await cutover)?.message).toMatch(
    /lost its lease before "align the service id sequences"/,
  );
  expect(await world.latestJournal()).toMatchObject({ state: 'interrupted', step: stalledAt });
  expect(await stageNow()).toBe('canary');
  const [recovered] = await resolveNext();
  expect(recovered).toMatchObject({ step: stalledAt, outcome: 'undone' });
  expect(await leftState()).toMatchObject({
    stage: 'canary',
    fenced: false,
    reverseOn: false,
    holds: [],
    proxyHolds: false,
  });
  expect(await monolithMayWrite()).toBe(true);
});

test('a cut-over slower than its hold expiry keeps the writes held: the hold is renewed with its leases', async () => {
  await ensureAt(CANARY);
  const expiryMs = Math.max(HOLD_BOUND_MS * 4, LEASE_MS + HOLD_BOUND_MS);
  const slowAt = 'drain the forward sync';
  let heldSince = 0;
  let goOn = () => {};
  const slow = new Promise<void>((resolve) => (goOn = resolve));
  const cutover = moveWrites(
    {
      service: world.service,
      to: LIVE,
      actor: 'test',
      why: 'test: slow',
      force: true,
      holdBoundMs: HOLD_BOUND_MS,
    },
    {
      ...world.deps,
      beforeStep: async (step) => {
        if (step !== slowAt) return;
        heldSince = Date.now();
        await slow; // a drain that takes long
      },
    },
  );
  try {
    await waitFor(`the cut-over at "${slowAt}"`, async () => heldSince > 0, { timeoutMs: 60_000 });
    let lapsed = false;
    await waitFor(
      'three hold expiries to pass',
      async () => {
        if (!world.proxy.proxy.ctx.holds.isHeld(world.service)) lapsed = true;
        return lapsed || Date.now() - heldSince > expiryMs * 3;
      },
      { timeoutMs: expiryMs * 5, intervalMs: 100 },
    );
    expect(lapsed).toBe(false);
    expect(await proxyFleetStore(world.kit.knex).activeHolds()).toHaveLength(1);
  } finally {
    goOn();
  }
  await cutover;
  expect(await stageNow()).toBe('live');
  expect(world.proxy.proxy.ctx.holds.isHeld(world.service)).toBe(false);
});
