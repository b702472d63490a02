import {
  fleetStatus,
  holdsToTake,
  isLiveProxy,
  propagation,
  sameStage,
  type ProxyReport,
} from './proxy-fleet.ts';

const now = new Date('2026-12-05T12:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);

const proxy = (over: Partial<ProxyReport> = {}): ProxyReport => ({
  proxyId: 'p1',
  host: 'h',
  pid: 1,
  version: '0.1.0',
  url: 'http://127.0.0.1:8080',
  adminUrl: 'http://127.0.0.1:8089',
  stages: { catalog: { stage: 'canary', percent: 5 } },
  stagesReadAt: at(-300),
  heartbeatAt: at(-500),
  leaseExpiresAt: at(9_500),
  ...over,
});

test('a proxy is live while its lease holds', () => {
  expect(isLiveProxy(proxy(), now)).toBe(true);
  expect(isLiveProxy(proxy({ leaseExpiresAt: now }), now)).toBe(false);
});

test('canary stages are the same only at the same share', () => {
  expect(sameStage({ stage: 'canary', percent: 5 }, { stage: 'canary', percent: 5 })).toBe(true);
  expect(sameStage({ stage: 'canary', percent: 5 }, { stage: 'canary', percent: 6 })).toBe(false);
  expect(sameStage({ stage: 'live', percent: 0 }, { stage: 'live', percent: 0 })).toBe(true);
  expect(sameStage(undefined, { stage: 'legacy', percent: 0 })).toBe(false);
});

test('propagation splits the live proxies by whether they route by the stage; lapsed ones drop out', () => {
  const live = { stage: 'live' as const, percent: 0 };
  const proxies = [
    proxy({ proxyId: 'p1', stages: { catalog: live } }),
    proxy({ proxyId: 'p2' }),
    proxy({ proxyId: 'p3', leaseExpiresAt: at(-1) }),
  ];
  const p = propagation(proxies, 'catalog', live, now);
  expect(p.reached.map((r) => r.proxyId)).toEqual(['p1']);
  expect(p.missing.map((r) => r.proxyId)).toEqual(['p2']);
});

test('fleetStatus lists live proxies with what each routes by and its ages', () => {
  expect(fleetStatus([proxy(), proxy({ proxyId: 'gone', leaseExpiresAt: at(-1) })], now)).toEqual([
    {
      id: 'p1',
      url: 'http://127.0.0.1:8080',
      adminUrl: 'http://127.0.0.1:8089',
      version: '0.1.0',
      routesBy: { catalog: 'canary 5%' },
      stagesReadAgeMs: 300,
      heartbeatAgeMs: 500,
      leaseExpiresInMs: 9_500,
    },
  ]);
  expect(fleetStatus([proxy({ stagesReadAt: null })], now)[0].stagesReadAgeMs).toBeNull();
});

describe('holdsToTake (a proxy reading the holds recorded in the kit DB)', () => {
  const hold = { service: 'catalog', holdId: 'h1', boundMs: 5000, expiresInMs: 20_000 };
  test('takes an active hold it does not hold', () => {
    expect(holdsToTake([hold], () => undefined, new Set())).toEqual([hold]);
  });
  test('not one it holds already, nor one it was released from, nor an expired one', () => {
    expect(holdsToTake([hold], () => 'h1', new Set())).toEqual([]);
    expect(holdsToTake([hold], () => undefined, new Set(['h1']))).toEqual([]);
    expect(holdsToTake([{ ...hold, expiresInMs: 0 }], () => undefined, new Set())).toEqual([]);
  });
  test("a newer cut-over's hold replaces an older one", () => {
    expect(holdsToTake([{ ...hold, holdId: 'h2' }], () => 'h1', new Set(['h1']))).toHaveLength(1);
  });
});
