/**
 * Three real proxies (in-process, each registered in a kit DB of the test's own) reading a fresh
 * service's stage from the stack's Unleash: a stage change is pushed to and seen by all three, and
 * ficus reports how long it took; a fleet-wide write hold holds on all three and releases them; a
 * proxy started during a hold holds from its first request; a proxy whose lease lapsed is dropped.
 */
import { jest } from '@jest/globals';
import { waitFor } from '../lib/wait.ts';
import type { TestDatabase } from '../test-support/databases.ts';
import { createTestDatabase } from '../test-support/databases.ts';
import {
  productHandler,
  startProxy,
  startUpstream,
  testPlan,
  uniqueService,
  type FakeUpstream,
  type StartedProxy,
} from '../test-support/proxy-e2e-harness.ts';
import { stackUnleashAdmin } from '../test-support/stack-access.ts';
import { freePort } from '../test-support/sync-supervisor.ts';
import { proxyFleetStore } from '../lib/proxy-fleet/proxy-fleet-store.ts';
import { holdFleetWrites, releaseFleetWrites } from './fleet-hold.ts';
import { proxyFleet } from './proxy-fleet-client.ts';
import { changeStage } from './stage-change.ts';
import { serviceStatus } from './service-status.ts';

jest.setTimeout(120_000);

const unleash = stackUnleashAdmin();
const service = uniqueService('fleet');
const plan = testPlan(service);
let kit: TestDatabase;
let upstreams: FakeUpstream[] = [];
const proxies: StartedProxy[] = [];

async function startMember(): Promise<StartedProxy> {
  const [monolith, svc] = upstreams;
  const started = await startProxy(
    plan,
    { monolith: monolith.url, service: svc.url },
    { FICUS_UNLEASH_REFRESH_MS: '1000' },
    { kitDb: kit.knex },
  );
  await started.proxy.join(started.adminUrl);
  started.proxy.ctx.registration?.setUrl(started.url);
  proxies.push(started);
  return started;
}

const fleet = () =>
  proxyFleet({ kitDb: kit.knex, token: 'test-admin-token', fallbackUrl: 'http://127.0.0.1:9' });
const post = (p: StartedProxy, id: number) =>
  fetch(`${p.url}/api/products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': 'u1' },
    body: JSON.stringify({ id }),
  });

beforeAll(async () => {
  kit = await createTestDatabase({ cluster: 'services', template: 'kit' });
  upstreams = [
    await startUpstream(productHandler('monolith')),
    await startUpstream(productHandler(service)),
  ];
  for (let i = 0; i < 3; i++) await startMember();
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(upstreams.map((u) => u.close()));
  await unleash.deleteFlag(service).catch(() => undefined);
  await kit?.drop();
});

test('three proxies register; a lapsed lease drops one from the count', async () => {
  await proxyFleetStore(kit.knex, -1).renew({
    proxyId: 'proxy-lapsed',
    host: 'h',
    pid: 1,
    version: '0',
    url: null,
    adminUrl: 'http://127.0.0.1:9',
    stages: {},
    stagesReadAt: null,
  });
  const members = await fleet().members();
  expect(members.map((m) => m.adminUrl).sort()).toEqual(proxies.map((p) => p.adminUrl).sort());
});

test('a stage change is pushed to all three and ficus reports the time to the last one', async () => {
  const deps = { services: [service], unleash, kitDb: kit.knex, fleet: fleet() };
  const change = await changeStage({ service, stage: 'shadow', actor: 'test', force: true }, deps);
  expect(change.propagation).toMatchObject({ proxies: 3, missing: [], pushed: true });
  expect(change.propagation!.lastMs).toEqual(expect.any(Number));
  for (const p of proxies) expect(p.proxy.ctx.stages.stateOf(service).stage).toBe('shadow');
  // the registry shows it too, and `ficus status` lists the live proxies with what they route by
  await waitFor(
    'every registration to show shadow',
    async () => {
      const { proxies: rows } = await proxyFleetStore(kit.knex).proxies();
      return rows.filter((r) => r.stages[service]?.stage === 'shadow').length === 3;
    },
    { timeoutMs: 5000, intervalMs: 100 },
  );
  const status = await serviceStatus({
    plan,
    kitDb: kit.knex,
    unleash,
    syncLag: () => async () => ({ lagMs: null, note: 'test' }),
  });
  expect(status.proxies).toHaveLength(3);
  expect(status.proxies.every((p) => p.routesBy[service] === 'shadow')).toBe(true);
});

test('without push, polling alone gets every proxy there too', async () => {
  const change = await changeStage(
    { service, stage: 'canary', percent: 30, actor: 'test', force: true },
    { services: [service], unleash, kitDb: kit.knex, fleet: fleet(), push: false },
  );
  expect(change.propagation).toMatchObject({ proxies: 3, missing: [], pushed: false });
});

test('a fleet-wide hold holds writes on all three and releases them', async () => {
  const hold = await holdFleetWrites(fleet(), {
    service,
    boundMs: 10_000,
    expiresInMs: 30_000,
    heldBy: 'test',
  });
  expect(hold.members).toHaveLength(3);
  for (const p of proxies) expect(p.proxy.ctx.holds.isHeld(service)).toBe(true);
  const held = post(proxies[1], 7);
  await new Promise((r) => setTimeout(r, 300));
  expect(proxies[1].proxy.ctx.holds.list()[0]?.waiting).toBe(1);
  expect(await releaseFleetWrites(fleet(), hold)).toEqual([]);
  expect((await held).status).toBe(201);
  for (const p of proxies) expect(p.proxy.ctx.holds.isHeld(service)).toBe(false);
});

test('a proxy started during a hold holds from its first request, and is released with the rest', async () => {
  const hold = await holdFleetWrites(fleet(), {
    service,
    boundMs: 10_000,
    expiresInMs: 30_000,
    heldBy: 'test',
  });
  const late = await startMember();
  expect(late.proxy.ctx.holds.isHeld(service)).toBe(true);
  expect(late.proxy.ctx.holds.heldId(service)).toBe(hold.holdId);
  expect(await releaseFleetWrites(fleet(), hold)).toEqual([]);
  for (const p of proxies) expect(p.proxy.ctx.holds.isHeld(service)).toBe(false);
  // a renewal after the release does not take the removed hold again
  await late.proxy.ctx.registration!.renewNow();
  expect(late.proxy.ctx.holds.isHeld(service)).toBe(false);
});

test('a proxy that cannot confirm the hold is named, and the others are released', async () => {
  await proxyFleetStore(kit.knex).renew({
    proxyId: 'proxy-killed',
    host: 'h',
    pid: 2,
    version: '0',
    url: null,
    adminUrl: `http://127.0.0.1:${await freePort()}`,
    stages: {},
    stagesReadAt: null,
  });
  await expect(
    holdFleetWrites(fleet(), { service, boundMs: 5000, expiresInMs: 20_000, heldBy: 'test' }),
  ).rejects.toThrow(/1 proxy could not confirm the hold for .*: proxy-killed at http/);
  for (const p of proxies) expect(p.proxy.ctx.holds.isHeld(service)).toBe(false);
  expect(await proxyFleetStore(kit.knex).activeHolds()).toEqual([]);
  await proxyFleetStore(kit.knex).deregister('proxy-killed');
});
