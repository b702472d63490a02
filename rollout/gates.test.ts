import { evaluateGates, gatesHold, formatGates, type GateEvidence } from './gates.ts';

const now = new Date('2026-11-21T12:00:00Z');
const healthy: GateEvidence = {
  comparisons: 500,
  matchRate: 0.998,
  lastVerify: { at: new Date('2026-11-21T11:50:00Z'), clean: true },
  syncLagMs: 300,
  errorRate: { legacy: 0.001, service: 0.002 },
  p99: { legacy: 40, service: 45 },
};

const failing = (evidence: GateEvidence, target = 'canary' as const) =>
  evaluateGates(target, evidence, {}, now)
    .filter((r) => !r.ok)
    .map((r) => r.gate);

test('a healthy service passes every gate to canary and live', () => {
  expect(gatesHold(evaluateGates('canary', healthy, {}, now))).toBe(true);
  expect(gatesHold(evaluateGates('live', healthy, {}, now))).toBe(true);
});

test('a quiet route cannot pass on no evidence', () => {
  expect(failing({ ...healthy, comparisons: 3, matchRate: 1 })).toEqual(['comparisons']);
  expect(failing({ ...healthy, comparisons: 0, matchRate: null })).toEqual([
    'comparisons',
    'match rate',
  ]);
});

test('the match rate threshold comes from the plan when given', () => {
  const evidence = { ...healthy, matchRate: 0.95 };
  expect(failing(evidence)).toEqual(['match rate']);
  expect(gatesHold(evaluateGates('canary', evidence, { minMatchRate: 0.9 }, now))).toBe(true);
});

test('parity must be clean and recent', () => {
  expect(failing({ ...healthy, lastVerify: null })).toEqual(['parity']);
  expect(
    failing({ ...healthy, lastVerify: { at: new Date('2026-11-21T11:59:00Z'), clean: false } }),
  ).toEqual(['parity']);
  expect(
    failing({ ...healthy, lastVerify: { at: new Date('2026-11-21T09:00:00Z'), clean: true } }),
  ).toEqual(['parity']);
});

test('sync lag must be known and small', () => {
  expect(failing({ ...healthy, syncLagMs: null })).toEqual(['sync lag']);
  expect(failing({ ...healthy, syncLagMs: 60_000 })).toEqual(['sync lag']);
});

test('the service may not fail or slow down much more than the monolith', () => {
  expect(failing({ ...healthy, errorRate: { legacy: 0.001, service: 0.05 } })).toEqual([
    'error rate',
  ]);
  expect(failing({ ...healthy, p99: { legacy: 40, service: 200 } })).toEqual(['p99 latency']);
  expect(failing({ ...healthy, p99: { legacy: 60, service: 100 } })).toEqual(['p99 latency']);
  // tiny latencies are noise, not a 4x slowdown
  expect(failing({ ...healthy, p99: { legacy: 2, service: 8 } })).toEqual([]);
});

test('shadow only needs the data in place; legacy needs nothing', () => {
  expect(
    evaluateGates('shadow', { ...healthy, comparisons: 0, matchRate: null }, {}, now).map(
      (r) => r.gate,
    ),
  ).toEqual(['parity', 'sync lag']);
  expect(evaluateGates('legacy', healthy, {}, now)).toEqual([]);
});

test('the printout names each gate with its value and threshold', () => {
  const text = formatGates(evaluateGates('canary', { ...healthy, matchRate: 0.9 }, {}, now));
  expect(text).toContain('✗ match rate');
  expect(text).toContain('90.00%');
  expect(text).toContain('>= 99.00%');
});

test('an open breaking column change blocks every stage advance, named after it', () => {
  const gate = 'schema: products.price changed numeric → text at offset t[0]@7';
  const evidence: GateEvidence = {
    ...healthy,
    schemaChanges: [{ gate, table: 'products', direction: 'forward' }],
  };
  for (const target of ['shadow', 'canary', 'live', 'complete'] as const)
    expect(failing(evidence, target as 'canary')).toEqual([gate]);
  expect(evaluateGates('legacy', evidence, {}, now)).toEqual([]);
});
