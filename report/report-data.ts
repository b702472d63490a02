/**
 * What `ficus report` shows, read from the kit DB: per route, comparisons and match rate, the
 * fields that differ most with a sample of each, latency percentiles and error rates of each
 * side, and their evolution in time buckets; beside it the newest data-parity run of each service
 * (`ficus verify`, table ficus_verify_runs) and the sync's last applied positions, when present.
 * The JSON form is the stable interface of DESIGN.md (`routes[]`), with extra keys allowed.
 */
import { latestRepairs, type RepairRecord } from '../cdc/verify/repair-store.ts';
import { openSchemaChanges, type SchemaChangeRecord } from '../cdc/sink/schema-change-store.ts';
import type { Knex } from 'knex';
import {
  hasSyncOffsets,
  readSyncOffsets,
  type SqlRunner,
  type SyncOffsetRow,
} from '../cdc/sink/sync-tables.ts';

export type Percentiles = { p50: number | null; p95: number | null; p99: number | null };
export type FieldCount = {
  path: string;
  count: number;
  sample: { url: string; requestId: string; kind: string; legacy: unknown; service: unknown };
};
export type Bucket = {
  at: string;
  compared: number;
  matchRate: number | null;
  legacyP95: number | null;
  serviceP95: number | null;
};

export type RouteReport = {
  route: string;
  service: string;
  compared: number;
  matched: number;
  mismatched: number;
  errored: number;
  matchRate: number | null;
  topFields: FieldCount[];
  latency: { legacy: Percentiles; service: Percentiles };
  /** share of compared requests where the side failed (no answer or 5xx) */
  errors: { legacy: number | null; service: number | null };
  timeline: Bucket[];
};

export type ParityRun = { service: string; finishedAt: string; clean: boolean; result: unknown };
export type SyncPosition = {
  consumerGroup: string;
  topic: string;
  updatedAt: string;
  secondsSinceLastApply: number;
};

export type ReportData = {
  generatedAt: string;
  since: string | null;
  routes: RouteReport[];
  parity: ParityRun[] | null;
  /** the latest `ficus verify --repair` of each service that had one */
  repairs: RepairRecord[];
  /** column changes of captured tables the sync saw and nobody resolved yet (absent: none) */
  schemaChanges?: SchemaChangeRecord[];
  sync: SyncPosition[] | null;
};

const round = (n: unknown) =>
  n === null || n === undefined ? null : Math.round(Number(n) * 100) / 100;
const percentiles = (a: (number | null)[] | null): Percentiles => ({
  p50: round(a?.[0]),
  p95: round(a?.[1]),
  p99: round(a?.[2]),
});

async function tableExists(db: Knex, name: string): Promise<boolean> {
  const { rows } = await db.raw('select to_regclass(?) as t', [name]);
  return rows[0].t !== null;
}

export async function readReportData(
  db: Knex,
  options: {
    since?: Date;
    topFields?: number;
    buckets?: number;
    /** the databases the sinks write to (their positions live there); default: the kit DB only */
    syncTargets?: Knex[];
  } = {},
): Promise<ReportData> {
  const since = options.since ?? new Date(0);
  const { rows: stats } = await db.raw(
    `select route, service, count(*)::int as compared,
        count(*) filter (where outcome = 'match')::int as matched,
        count(*) filter (where outcome = 'mismatch')::int as mismatched,
        count(*) filter (where outcome = 'error')::int as errored,
        count(*) filter (where legacy_error is not null or legacy_status >= 500)::int as legacy_errors,
        count(*) filter (where service_error is not null or service_status >= 500)::int as service_errors,
        percentile_cont(array[0.5, 0.95, 0.99]) within group (order by legacy_ms) as legacy_p,
        percentile_cont(array[0.5, 0.95, 0.99]) within group (order by service_ms) as service_p,
        extract(epoch from min(recorded_at)) as first, extract(epoch from max(recorded_at)) as last
     from proxy_comparisons where recorded_at >= ? group by route, service order by route`,
    [since],
  );
  const { rows: fields } = await db.raw(
    `select route, regexp_replace(d->>'path', '\\[\\d+\\]', '[*]', 'g') as path, count(*)::int as count,
        (array_agg(jsonb_build_object('url', url, 'requestId', request_id, 'kind', d->>'kind', 'legacy', d->'legacy', 'service', d->'service') order by id desc))[1] as sample
     from proxy_comparisons, jsonb_array_elements(differences) d
     where outcome = 'mismatch' and recorded_at >= ? group by 1, 2 order by 3 desc`,
    [since],
  );
  const routes: RouteReport[] = [];
  for (const s of stats) {
    const span = Math.max(1, Number(s.last) - Number(s.first));
    const bucketSeconds = Math.max(1, Math.ceil(span / (options.buckets ?? 12)));
    const { rows: timeline } = await db.raw(
      `select to_timestamp(floor(extract(epoch from recorded_at) / ?) * ?) as at, count(*)::int as compared,
          count(*) filter (where outcome = 'match')::float / count(*) as match_rate,
          percentile_cont(0.95) within group (order by legacy_ms) as legacy_p95,
          percentile_cont(0.95) within group (order by service_ms) as service_p95
       from proxy_comparisons where route = ? and recorded_at >= ? group by 1 order by 1`,
      [bucketSeconds, bucketSeconds, s.route, since],
    );
    routes.push({
      route: s.route,
      service: s.service,
      compared: s.compared,
      matched: s.matched,
      mismatched: s.mismatched,
      errored: s.errored,
      matchRate: s.compared ? s.matched / s.compared : null,
      topFields: fields
        .filter((f: { route: string }) => f.route === s.route)
        .slice(0, options.topFields ?? 5)
        .map((f: FieldCount) => ({ path: f.path, count: f.count, sample: f.sample })),
      latency: { legacy: percentiles(s.legacy_p), service: percentiles(s.service_p) },
      errors: {
        legacy: s.compared ? s.legacy_errors / s.compared : null,
        service: s.compared ? s.service_errors / s.compared : null,
      },
      timeline: timeline.map(
        (t: {
          at: Date;
          compared: number;
          match_rate: number;
          legacy_p95: number;
          service_p95: number;
        }) => ({
          at: new Date(t.at).toISOString(),
          compared: t.compared,
          matchRate: t.match_rate,
          legacyP95: round(t.legacy_p95),
          serviceP95: round(t.service_p95),
        }),
      ),
    });
  }
  return {
    generatedAt: new Date().toISOString(),
    since: options.since?.toISOString() ?? null,
    routes,
    parity: await readParity(db),
    // knex speaks `?` placeholders; the reader binds none
    repairs: await latestRepairs({ query: (sql) => db.raw(sql) }),
    schemaChanges: await openSchemaChanges({ query: (sql) => db.raw(sql) }),
    sync: await readSyncFrom(options.syncTargets ?? [db]),
  };
}

async function readParity(db: Knex): Promise<ParityRun[] | null> {
  if (!(await tableExists(db, 'ficus_verify_runs'))) return null;
  const { rows } = await db.raw(
    `select distinct on (service) service, finished_at, clean, result from ficus_verify_runs
     where finished_at is not null order by service, finished_at desc`,
  );
  return rows.map((r: { service: string; finished_at: Date; clean: boolean; result: unknown }) => ({
    service: r.service,
    finishedAt: new Date(r.finished_at).toISOString(),
    clean: r.clean,
    result: r.result,
  }));
}

/** Positions of every sink that writes into one of `targets` (null: none has ever run). */
async function readSyncFrom(targets: Knex[]): Promise<SyncPosition[] | null> {
  const all = (await Promise.all(targets.map(readSync))).filter((p) => p !== null);
  return all.length ? all.flat() : null;
}

async function readSync(db: Knex): Promise<SyncPosition[] | null> {
  // knex speaks `?` placeholders; the reader asks nothing that needs one here
  const runner: SqlRunner = { query: (sql) => db.raw(sql) };
  if (!(await hasSyncOffsets(runner))) return null;
  const latest = new Map<string, SyncOffsetRow>();
  for (const row of await readSyncOffsets(runner)) {
    const key = JSON.stringify([row.consumerGroup, row.topic]);
    const seen = latest.get(key);
    if (!seen || row.updatedAt > seen.updatedAt) latest.set(key, row);
  }
  return [...latest.values()]
    .sort((a, b) => compareText(a.consumerGroup, b.consumerGroup) || compareText(a.topic, b.topic))
    .map((r) => ({
      consumerGroup: r.consumerGroup,
      topic: r.topic,
      updatedAt: r.updatedAt.toISOString(),
      secondsSinceLastApply: Math.round(r.ageSeconds),
    }));
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
