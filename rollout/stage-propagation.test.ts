import type { FleetMember } from './proxy-fleet-client.ts';
import { describePropagation, summarize } from './stage-propagation.ts';

const member = (id: string, leaseExpiresAt: Date | null = null) =>
  ({ id, adminUrl: `http://${id}`, leaseExpiresAt, report: null }) as unknown as FleetMember;
const live = { stage: 'live' as const, percent: 0 };

test('every proxy reached: the time to the last one', () => {
  const p = summarize('catalog', live, true, [
    { member: member('a'), ms: 40, routesBy: live },
    { member: member('b'), ms: 120, routesBy: live },
  ]);
  expect(p).toMatchObject({ proxies: 2, lastMs: 120, missing: [] });
  expect(describePropagation(p)).toBe('catalog live reached all 2 proxies in 120 ms (pushed)');
});

test('a proxy that did not: named, with what it routes by and when its lease expires', () => {
  const p = summarize('catalog', live, false, [
    { member: member('a'), ms: 900, routesBy: live },
    {
      member: member('b', new Date('2026-12-05T12:00:10Z')),
      ms: null,
      routesBy: { stage: 'canary', percent: 50 },
    },
    { member: member('c'), ms: null, routesBy: null },
  ]);
  expect(p.lastMs).toBeNull();
  expect(describePropagation(p)).toBe(
    'catalog live reached 1 of 3 proxies (polled); not routing by it: b at http://b (routes by canary 50%; dropped from the fleet when its lease expires at 2026-12-05T12:00:10.000Z), c at http://c (routes by unknown: admin API unreachable)',
  );
});
