/**
 * A pushed stage change at slow polling: three real proxies (in-process, registered in a kit DB of
 * the test's own) whose Unleash clients poll the stack's Unleash only once a minute. Unleash's
 * client API answers from a cache that follows a change within about a second, so a push that
 * fetched once got the old flags and the proxies waited for their next poll; each proxy now
 * fetches until it sees the stage it was told to expect. Checked on the routing itself: who
 * answers (`x-ficus-backend`) right after the change returns.
 */
import { jest } from '@jest/globals';
import type { TestDatabase } from '../test-support/databases.ts';
import { createTestDatabase } from '../test-support/databases.ts';
import {
  backendsFor,
  productHandler,
  startProxy,
  startUpstream,
  testPlan,
  uniqueService,
  type FakeUpstream,
  type StartedProxy,
} from '../test-support/proxy-e2e-harness.ts';
import { stackUnleashAdmin } from '../test-support/stack-access.ts';
import { proxyFleet } from './proxy-fleet-client.ts';
import { changeStage, type StageRequest } from './stage-change.ts';
import { awaitPropagation } from './stage-propagation.ts';

jest.setTimeout(120_000);

const unleash = stackUnleashAdmin();
const service = uniqueService('push');
const plan = testPlan(service);
const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
let kit: TestDatabase;
let upstreams: FakeUpstream[] = [];
const proxies: StartedProxy[] = [];

const fleet = () =>
  proxyFleet({ kitDb: kit.knex, token: 'test-admin-token', fallbackUrl: 'http://127.0.0.1:9' });
const deps = () => ({ services: [service], unleash, kitDb: kit.knex, fleet: fleet() });
const move = (stage: string, percent?: number): StageRequest => ({
  service,
  stage,
  percent,
  actor: 'test',
  force: true,
});
/** Who answered each user's read, on every proxy. */
const backends = async () =>
  (await Promise.all(proxies.map((p) => backendsFor(p.url, users)))).flat();

beforeAll(async () => {
  kit = await createTestDatabase({ cluster: 'services', template: 'kit' });
  upstreams = [
    await startUpstream(productHandler('monolith')),
    await startUpstream(productHandler(service)),
  ];
  for (let i = 0; i < 3; i++) {
    const started = await startProxy(
      plan,
      { monolith: upstreams[0].url, service: upstreams[1].url },
      { FICUS_UNLEASH_REFRESH_MS: '60000' },
      { kitDb: kit.knex },
    );
    await started.proxy.join(started.adminUrl);
    proxies.push(started);
  }
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await Promise.all(upstreams.map((u) => u.close()));
  await unleash.deleteFlag(service).catch(() => undefined);
  await kit?.drop();
});

test('proxies polling once a minute route by each new stage as soon as the change returns', async () => {
  expect(new Set(await backends())).toEqual(new Set(['monolith']));

  const live = await changeStage(move('live'), deps());
  expect(live.propagation).toMatchObject({ proxies: 3, missing: [], pushed: true });
  expect(new Set(await backends())).toEqual(new Set([service]));

  const back = await changeStage(move('legacy'), deps());
  expect(back.propagation).toMatchObject({ proxies: 3, missing: [], pushed: true });
  expect(new Set(await backends())).toEqual(new Set(['monolith']));
});

test('two changes in quick succession: every proxy ends on the newest; the older wait ends', async () => {
  await changeStage(move('live'), deps());
  expect(new Set(await backends())).toEqual(new Set([service]));
  // two changes in Unleash, then both pushed at once: the older expects canary 100%, which no
  // proxy will see (Unleash already has legacy), the newer expects legacy
  const older = { stage: 'canary' as const, percent: 100 };
  await changeStage(move(older.stage, older.percent), { ...deps(), fleet: undefined });
  await changeStage(move('legacy'), { ...deps(), fleet: undefined });
  const changedAt = Date.now();
  const [stale, newest] = await Promise.all([
    awaitPropagation(fleet(), service, older, { changedAt, timeoutMs: 5000 }),
    awaitPropagation(fleet(), service, { stage: 'legacy', percent: 0 }, { changedAt }),
  ]);
  expect(newest).toMatchObject({ proxies: 3, missing: [] });
  expect(new Set(await backends())).toEqual(new Set(['monolith']));
  // the older change is reported as not reached, each proxy routing by the newer one
  expect(stale.missing.map((m) => m.routesBy)).toEqual(['legacy', 'legacy', 'legacy']);
});
