import {
  compareAnswers,
  compareFieldByField,
  compileRules,
  identicalAnswers,
  type Answer,
} from './compare-responses.ts';
import { createNoiseModel } from './noise-model.ts';
import { redactDifferences, compileRedaction, REDACTED } from './redact.ts';

const json = (
  body: unknown,
  status = 200,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Answer => ({
  status,
  headers,
  body: Buffer.from(JSON.stringify(body)),
});

// Real answers of the demo shop (docs/api.md): the monolith's and the catalog service's.
const monolithProduct = {
  id: 17,
  sku: 'SKU-0017',
  name: 'Walnut desk lamp',
  description: 'Warm light, brass switch',
  price: 49.9,
  active: true,
  createdAt: '2026-01-03T10:15:00.000Z',
  updatedAt: '2026-02-11T08:00:01.250Z',
  meta: { servedAt: '2026-11-21T09:00:00.001Z' },
};
const serviceProduct = {
  ...monolithProduct,
  price: '49.90',
  createdAt: '2026-01-03T10:15:00Z',
  updatedAt: '2026-02-11T09:00:01.250+01:00',
  meta: { servedAt: '2026-11-21T09:00:00.087Z' },
};

describe('compareAnswers', () => {
  it('matches a product whose price and timestamps differ only in representation, with servedAt ignored', () => {
    const rules = compileRules({ ignore: ['$.meta.servedAt'] });
    expect(compareAnswers(json(monolithProduct), json(serviceProduct), rules)).toEqual({
      outcome: 'match',
      differences: [],
    });
  });

  it('reports the servedAt field when it is not ignored, and a changed name with both values', () => {
    const rules = compileRules({});
    const result = compareAnswers(
      json(monolithProduct),
      json({ ...serviceProduct, name: 'Walnut desk lamp ' }),
      rules,
    );
    expect(result.outcome).toBe('mismatch');
    expect(result.differences).toEqual([
      { path: '$.name', kind: 'changed', legacy: 'Walnut desk lamp', service: 'Walnut desk lamp ' },
      {
        path: '$.meta.servedAt',
        kind: 'changed',
        legacy: monolithProduct.meta.servedAt,
        service: serviceProduct.meta.servedAt,
      },
    ]);
  });

  it('applies a numeric tolerance and sees a price that really changed', () => {
    const within = compileRules({ numericTolerance: 0.01 });
    expect(compareAnswers(json({ total: 100.004 }), json({ total: 100 }), within).outcome).toBe(
      'match',
    );
    const r = compareAnswers(json({ total: 100.5 }), json({ total: 100 }), within);
    expect(r.differences).toEqual([
      { path: '$.total', kind: 'changed', legacy: 100.5, service: 100 },
    ]);
  });

  it('compares timestamps as instants with a tolerance', () => {
    const rules = compileRules({ timestampToleranceMs: 1000 });
    expect(
      compareAnswers(
        json({ at: '2026-01-01T00:00:00.000Z' }),
        json({ at: '2026-01-01T00:00:00.900Z' }),
        rules,
      ).outcome,
    ).toBe('match');
    expect(
      compareAnswers(
        json({ at: '2026-01-01T00:00:00.000Z' }),
        json({ at: '2026-01-01T00:00:02Z' }),
        rules,
      ).outcome,
    ).toBe('mismatch');
  });

  it('compares a product list order-insensitively where the rule says so, and in order elsewhere', () => {
    const a = {
      items: [
        { id: 1, name: 'a' },
        { id: 2, name: 'b' },
        { id: 3, name: 'c' },
      ],
      page: 1,
      pageSize: 50,
      total: 3,
    };
    const b = { ...a, items: [a.items[2], a.items[0], a.items[1]] };
    expect(compareAnswers(json(a), json(b), compileRules({ unordered: ['$.items'] })).outcome).toBe(
      'match',
    );
    const ordered = compareAnswers(json(a), json(b), compileRules({}));
    expect(ordered.outcome).toBe('mismatch');
    expect(ordered.differences[0]).toEqual({
      path: '$.items[0].id',
      kind: 'changed',
      legacy: 1,
      service: 3,
    });
  });

  it('in an unordered array, pairs what it can and reports the element that differs', () => {
    const a = {
      items: [
        { id: 1, q: 1 },
        { id: 2, q: 2 },
      ],
    };
    const b = {
      items: [
        { id: 2, q: 2 },
        { id: 1, q: 5 },
      ],
    };
    const r = compareAnswers(json(a), json(b), compileRules({ unordered: ['$.items'] }));
    expect(r.differences).toEqual([
      { path: '$.items[0].q', kind: 'changed', legacy: 1, service: 5 },
    ]);
  });

  it('reports missing fields, type changes, status and selected headers', () => {
    const rules = compileRules({ headers: ['Cache-Control'] });
    const r = compareAnswers(
      json({ id: 1, sku: 'X', active: true }, 200, { 'cache-control': 'no-store' }),
      json({ id: 1, active: 'true', extra: null }, 404, { 'cache-control': 'max-age=60' }),
      rules,
    );
    expect(r.differences).toEqual([
      { path: 'status', kind: 'changed', legacy: 200, service: 404 },
      { path: 'header:cache-control', kind: 'changed', legacy: 'no-store', service: 'max-age=60' },
      { path: '$.sku', kind: 'missing_in_service', legacy: 'X' },
      { path: '$.active', kind: 'type', legacy: true, service: 'true' },
      { path: '$.extra', kind: 'missing_in_legacy', service: null },
    ]);
  });

  it('ignores paths with wildcards and at any depth', () => {
    const a = { items: [{ id: 1, updatedAt: 'x' }], meta: { trace: { updatedAt: 'y' } } };
    const b = { items: [{ id: 1, updatedAt: 'z' }], meta: { trace: { updatedAt: 'w' } } };
    expect(
      compareAnswers(json(a), json(b), compileRules({ ignore: ['$..updatedAt'] })).outcome,
    ).toBe('match');
    expect(
      compareAnswers(
        json(a),
        json(b),
        compileRules({ ignore: ['$.items[*].updatedAt'] }),
      ).differences.map((d) => d.path),
    ).toEqual(['$.meta.trace.updatedAt']);
  });

  it('compares bodies that are not JSON byte for byte', () => {
    const text = (s: string): Answer => ({ status: 200, headers: {}, body: Buffer.from(s) });
    expect(compareAnswers(text('<p>ok</p>'), text('<p>ok</p>'), compileRules({})).outcome).toBe(
      'match',
    );
    expect(
      compareAnswers(text('<p>ok</p>'), text('<p>ko</p>'), compileRules({})).differences[0].path,
    ).toBe('body');
  });
});

describe('answers identical to the byte', () => {
  const raw = (body: string, status = 200, headers: Answer['headers'] = {}): Answer => ({
    status,
    headers,
    body: Buffer.from(body),
  });
  const rules = compileRules({
    ignore: ['$.meta.servedAt'],
    unordered: ['$.tags'],
    headers: ['content-type', 'cache-control'],
    numericTolerance: 0.01,
  });
  const bodies = [
    JSON.stringify(monolithProduct),
    JSON.stringify({ tags: ['b', 'a', 'a'], price: '12.50', token: 'eyJhbGciOi.x.y' }),
    '[1, 1.0000001, "2026-01-01T00:00:00Z"]',
    'plain text, not JSON',
    '{"cut": ',
    '',
  ];

  it('match as the field-by-field comparison says they do, whatever the body', () => {
    const headers = { 'content-type': 'application/json', 'cache-control': ['a', 'b'] };
    for (const body of bodies)
      for (const status of [200, 404]) {
        const legacy = raw(body, status, headers);
        const service = raw(body, status, { ...headers, date: 'another day' });
        expect(identicalAnswers(legacy, service, rules.headers)).toBe(true);
        const slow = compareFieldByField(legacy, service, rules, new Set(['$.price']));
        expect(slow).toEqual({ outcome: 'match', differences: [] });
        expect(compareAnswers(legacy, service, rules, new Set(['$.price']))).toEqual(slow);
      }
  });

  it('are not taken for identical when one byte of the body differs: the difference is found', () => {
    const legacy = raw(JSON.stringify(monolithProduct));
    const service = raw(JSON.stringify({ ...monolithProduct, sku: 'SKU-0018' }));
    expect(identicalAnswers(legacy, service, rules.headers)).toBe(false);
    expect(compareAnswers(legacy, service, rules)).toEqual({
      outcome: 'mismatch',
      differences: [{ path: '$.sku', kind: 'changed', legacy: 'SKU-0017', service: 'SKU-0018' }],
    });
    const text = compareAnswers(raw('plain text'), raw('plain texT'), rules);
    expect(text.differences).toEqual([
      { path: 'body', kind: 'changed', legacy: 'plain text', service: 'plain texT' },
    ]);
  });

  it('are not taken for identical when the status or a compared header differs', () => {
    const body = JSON.stringify(monolithProduct);
    const json = { 'content-type': 'application/json' };
    expect(compareAnswers(raw(body, 200), raw(body, 201), rules).differences).toEqual([
      { path: 'status', kind: 'changed', legacy: 200, service: 201 },
    ]);
    const otherType = raw(body, 200, { 'content-type': 'text/plain' });
    expect(compareAnswers(raw(body, 200, json), otherType, rules).differences).toEqual([
      {
        path: 'header:content-type',
        kind: 'changed',
        legacy: 'application/json',
        service: 'text/plain',
      },
    ]);
    // a header the route does not compare is no difference
    const dated = raw(body, 200, { ...json, date: 'today' });
    expect(identicalAnswers(raw(body, 200, json), dated, rules.headers)).toBe(true);
  });
});

describe('noise calibration', () => {
  it('learns what differs between the monolith and itself and stops reporting it, for that route only', () => {
    const noise = createNoiseModel(2);
    const rules = compileRules({});
    const first = json({ id: 1, requestId: 'r-1', items: [{ at: 1, id: 5 }] });
    const again = json({ id: 1, requestId: 'r-2', items: [{ at: 2, id: 5 }] });
    expect(noise.wantsCalibration('GET /x')).toBe(true);
    expect(noise.learn('GET /x', compareAnswers(first, again, rules).differences)).toEqual([
      '$.requestId',
      '$.items[*].at',
    ]);
    const service = json({
      id: 2,
      requestId: 'r-3',
      items: [
        { at: 3, id: 5 },
        { at: 4, id: 6 },
      ],
    });
    const r = compareAnswers(first, service, rules, noise.noiseOf('GET /x'));
    expect(r.differences.map((d) => d.path)).toEqual(['$.id', '$.items[1]']);
    expect(compareAnswers(first, service, rules, noise.noiseOf('GET /y')).differences).toHaveLength(
      4,
    );
    expect(noise.wantsCalibration('GET /x')).toBe(true);
    expect(noise.wantsCalibration('GET /x')).toBe(false);
  });
});

describe('redaction', () => {
  it('replaces values at redacted paths and beneath them before storing', () => {
    const differences = [
      {
        path: '$.customer',
        kind: 'changed' as const,
        legacy: { email: 'a@x', name: 'A' },
        service: { email: 'b@x', name: 'A' },
      },
      { path: '$.items[0].phone', kind: 'changed' as const, legacy: '1', service: '2' },
      { path: 'status', kind: 'changed' as const, legacy: 200, service: 500 },
    ];
    const out = redactDifferences(differences, compileRedaction(['$..email', '$.items[*].phone']));
    expect(out).toEqual([
      {
        path: '$.customer',
        kind: 'changed',
        legacy: { email: REDACTED, name: 'A' },
        service: { email: REDACTED, name: 'A' },
      },
      { path: '$.items[0].phone', kind: 'changed', legacy: REDACTED, service: REDACTED },
      differences[2],
    ]);
    expect((differences[0].legacy as { email: string }).email).toBe('a@x');
  });
});
