// Gate evidence on recorded data: comparison rows and a verify run in a fresh kit DB, the numbers
// computed by the real SQL (counts, match rate, error rates per side, p99, the window).
import pg from 'pg';
import { ensureVerifyTables, finishRun, startRun } from '../cdc/verify/verify-store.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.ts';
import { comparisonEvidence, gatherEvidence, verifyEvidence } from './gate-evidence.ts';

let kit: TestDatabase;
const service = 'svc_evidence';

type Row = {
  outcome: 'match' | 'mismatch' | 'error';
  legacy_ms: number;
  service_ms: number;
  legacy_status?: number | null;
  service_status?: number | null;
  service_error?: string | null;
  service?: string;
  ago?: string;
};

async function record(rows: Row[]) {
  await kit.knex('proxy_comparisons').insert(
    rows.map((r, i) => ({
      request_id: `r${i}`,
      service: r.service ?? service,
      route: 'GET /api/products/:id',
      method: 'GET',
      url: `/api/products/${i}`,
      outcome: r.outcome,
      legacy_status: r.legacy_status === undefined ? 200 : r.legacy_status,
      service_status: r.service_status === undefined ? 200 : r.service_status,
      legacy_ms: r.legacy_ms,
      service_ms: r.service_ms,
      service_error: r.service_error ?? null,
      read_at: kit.knex.raw(`now() - ?::interval`, [r.ago ?? '0 seconds']),
    })),
  );
}

beforeAll(async () => {
  kit = await createTestDatabase({ cluster: 'services', template: 'kit' });
  // 100 recent comparisons: latencies 1..100 ms (legacy) and 2..200 ms (service);
  // 96 match, 2 mismatch, 1 service 503, 1 service transport error
  await record(
    Array.from({ length: 100 }, (_, i): Row => {
      const base = { legacy_ms: i + 1, service_ms: 2 * (i + 1) };
      if (i === 10 || i === 20) return { ...base, outcome: 'mismatch' };
      if (i === 30) return { ...base, outcome: 'error', service_status: 503 };
      if (i === 40)
        return { ...base, outcome: 'error', service_status: null, service_error: 'ECONNRESET' };
      return { ...base, outcome: 'match' };
    }),
  );
  // old mismatches (before the stage change below) and another service's rows: never counted
  await record(
    Array.from({ length: 20 }, () => ({
      outcome: 'mismatch',
      legacy_ms: 1,
      service_ms: 1,
      ago: '10 minutes',
    })),
  );
  await record(
    Array.from({ length: 7 }, () => ({
      outcome: 'mismatch',
      legacy_ms: 1,
      service_ms: 1,
      service: 'other',
    })),
  );
  await kit.knex('stage_history').insert({
    service,
    from_stage: 'shadow',
    from_percent: 0,
    to_stage: 'canary',
    to_percent: 5,
    actor: 'test',
    changed_at: kit.knex.raw(`now() - interval '5 minutes'`),
  });
});
afterAll(() => kit?.drop());

it('counts, match rate, error rates per side and p99 per side since the latest stage change', async () => {
  const e = await comparisonEvidence(kit.knex, service);
  expect(e.comparisons).toBe(100);
  expect(e.matchRate).toBeCloseTo(0.96, 10);
  expect(e.errorRate.legacy).toBe(0);
  expect(e.errorRate.service).toBeCloseTo(2 / 100, 10);
  // percentile_cont over 1..100: 99 + 0.01 * (100 - 99)
  expect(e.p99.legacy).toBeCloseTo(99.01, 5);
  expect(e.p99.service).toBeCloseTo(198.02, 4);
  expect(Date.now() - e.since!.getTime()).toBeGreaterThan(4.5 * 60_000);
});

it('takes at least the minimum window, and a fixed start when given', async () => {
  // a minimum window of 15 minutes reaches back past the stage change to the old mismatches
  const wide = await comparisonEvidence(kit.knex, service, { minWindowMs: 15 * 60_000 });
  expect(wide.comparisons).toBe(120);
  expect(wide.matchRate).toBeCloseTo(96 / 120, 10);
  const future = await comparisonEvidence(kit.knex, service, {
    since: new Date(Date.now() + 60_000),
  });
  expect(future).toMatchObject({
    comparisons: 0,
    matchRate: null,
    errorRate: { legacy: null, service: null },
    p99: { legacy: null, service: null },
  });
});

it('a service never moved is judged on everything kept', async () => {
  const e = await comparisonEvidence(kit.knex, 'other');
  expect(e).toMatchObject({ comparisons: 7, matchRate: 0, since: null });
});

it('reads the newest finished verify, and says none when there is none', async () => {
  expect(await verifyEvidence(kit.knex, service)).toBeNull(); // no verify tables yet
  const pool = new pg.Pool({ connectionString: kit.url, max: 1 });
  try {
    await ensureVerifyTables(pool);
    const dirty = await startRun(pool, service, 100, null);
    await finishRun(pool, dirty, false, { tables: [] });
    const clean = await startRun(pool, service, 100, null);
    await finishRun(pool, clean, true, {
      tables: [{ rows: 3, matching: 3, mismatched: 0, missingInTarget: 0, extraInTarget: 0 }],
    });
    await startRun(pool, service, 100, null); // unfinished: does not count
  } finally {
    await pool.end();
  }
  const verify = await verifyEvidence(kit.knex, service);
  expect(verify?.clean).toBe(true);
  expect(Date.now() - verify!.at.getTime()).toBeLessThan(60_000);

  const all = await gatherEvidence(
    { kit: kit.knex, syncLag: async () => ({ lagMs: null, note: 'sync lag unknown (no sink)' }) },
    service,
  );
  expect(all).toMatchObject({
    comparisons: 100,
    syncLagMs: null,
    lastVerify: { clean: true },
    notes: ['sync lag unknown (no sink)'],
  });
});
