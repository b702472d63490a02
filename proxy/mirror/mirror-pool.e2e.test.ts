// The mirror worker over real HTTP: it asks the service (and the monolith to calibrate or
// recheck) itself, compares, redacts, and what it reports is all main needs; a worker that dies
// fails the reads it held and is replaced.
import { createLogger } from '../../lib/logger.ts';
import { compileRules } from '../compare/compare-responses.ts';
import { compileRedaction, REDACTED } from '../compare/redact.ts';
import {
  productHandler,
  startUpstream,
  type FakeUpstream,
} from '../../test-support/proxy-e2e-harness.ts';
import type { Side } from './judge-sides.ts';
import type { MirroredRead } from './mirror-messages.ts';
import { createMirrorPool, type MirrorPool } from './mirror-pool.ts';

let monolith: FakeUpstream;
let svc: FakeUpstream;
let pool: MirrorPool;
const route = 'GET /api/products/:id';
const read: MirroredRead = {
  route,
  service: 'catalog',
  method: 'GET',
  path: '/api/products/5',
  headers: { 'x-ficus-mirror': '1' },
};

/** The monolith's answer as the tap hands it over. */
function legacyAnswer(body: unknown): Side {
  return {
    answer: { status: 200, headers: {}, body: Buffer.from(JSON.stringify(body)), latencyMs: 1 },
  };
}

beforeAll(async () => {
  monolith = await startUpstream(productHandler('monolith'));
  svc = await startUpstream(productHandler('service', (p) => (p.sku = 'secret-sku')));
  pool = createMirrorPool(
    {
      monolithUrl: monolith.url,
      serviceUrls: { catalog: svc.url },
      rules: [
        [
          route,
          {
            compare: compileRules({ ignore: ['$.meta.servedAt', '$.meta.side'] }),
            redact: compileRedaction(['$.sku']),
          },
        ],
      ],
      timeoutMs: 2000,
      maxBodyBytes: 100_000,
    },
    createLogger('test', () => {}),
    1,
  );
});

afterAll(async () => {
  await pool.close();
  await monolith.close();
  await svc.close();
});

it('asks the service with the read headers, compares and redacts', async () => {
  const legacy = legacyAnswer({ id: 5, sku: 'SKU-5', name: 'Product 5', price: 12.5, meta: {} });
  // several reads at once travel in one batch, each with its own body
  const [judged, other] = await Promise.all([
    pool.judge(read, legacy, true, []),
    pool.judge(
      read,
      legacyAnswer({ id: 5, sku: 'secret-sku', name: 'Product 5', price: 12.5, meta: {} }),
      false,
      [],
    ),
  ]);
  expect(other.result?.outcome).toBe('match');
  expect(svc.seen.at(-1)).toMatchObject({ method: 'GET', url: '/api/products/5' });
  expect(svc.seen.at(-1)!.headers['x-ficus-mirror']).toBe('1');
  expect(judged.service).toMatchObject({ status: 200 });
  expect(judged.service.latencyMs).toBeGreaterThan(0);
  // calibration asked the monolith a second time: it differs from itself only in ignored paths
  expect(monolith.seen.at(-1)).toMatchObject({ url: '/api/products/5' });
  expect(judged.calibration).toEqual([]);
  expect(judged.result).toEqual({
    outcome: 'mismatch',
    differences: [{ path: '$.sku', kind: 'changed', legacy: REDACTED, service: REDACTED }],
  });
});

it('rechecks by asking both sides again, under the noise it is given', async () => {
  const before = monolith.seen.length;
  expect(await pool.recheck(read, [])).toMatchObject({ outcome: 'mismatch' });
  expect(await pool.recheck(read, ['$.sku'])).toEqual({ outcome: 'match', differences: [] });
  expect(monolith.seen.length).toBe(before + 2);
});

it('reports a service that cannot be reached as the side error, with no result', async () => {
  const down = createMirrorPool(
    {
      monolithUrl: monolith.url,
      serviceUrls: { catalog: 'http://127.0.0.1:9' },
      rules: [[route, { compare: compileRules({}), redact: compileRedaction() }]],
      timeoutMs: 2000,
      maxBodyBytes: 100_000,
    },
    createLogger('test', () => {}),
    1,
  );
  try {
    const judged = await down.judge(read, legacyAnswer({ id: 5 }), false, []);
    expect(judged.service).toEqual({ error: 'unavailable' });
    expect(judged.result).toBeUndefined();
  } finally {
    await down.close();
  }
});

it('fails the reads a dying worker held, and serves the next ones from a new worker', async () => {
  monolith.handle = svc.handle = () => {}; // never answers: the read stays in the worker
  const held = pool.judge(read, legacyAnswer({ id: 5 }), false, []);
  await new Promise((r) => setTimeout(r, 100));
  await pool.recycle();
  await expect(held).rejects.toThrow(/mirror worker/);
  monolith.handle = productHandler('monolith');
  svc.handle = productHandler('service');
  const judged = await pool.judge(read, legacyAnswer({ id: 5 }), false, []);
  expect(judged.service.status).toBe(200);
});
