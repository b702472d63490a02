/**
 * Gathers the evidence the gates judge (rollout/gates.ts) for one service, from what was really
 * recorded:
 * - the parallel run's comparisons of the service's routes (`proxy_comparisons`, kit DB) of the
 *   reads made in a window (`read_at`; a comparison is stored up to seconds after its read): count,
 *   match rate, error rate per side (5xx answer or transport error) and p99 latency per side, all
 *   computed in SQL (percentile_cont);
 * - the newest `ficus verify` of the service (`latestVerify`);
 * - the forward sync lag, measured by a probe (rollout/sync-lag.ts);
 * - the open breaking column changes the sync recorded (`schema_changes`, schema-change-store.ts).
 *
 * The window: from the service's latest stage change (`stage_history`) — evidence from before a
 * move says little about the stage it moved to — but at least `minWindowMs` (10 s), so that a
 * move made a moment ago does not leave the gates without any evidence. The floor is short on
 * purpose: how much evidence is enough is the `minComparisons` gate's question, and a longer
 * floor would judge a fixed route on the mismatches from before its fix. A service never moved by ficus is
 * judged on everything the proxy keeps (its retention is capped). A caller may fix the window's
 * start (`since`: the rollout judges each step on what happened since the step began).
 */
import type { Knex } from 'knex';
import { latestVerify } from '../cdc/verify/verify-store.ts';
import { openSchemaChanges, schemaGateName } from '../cdc/sink/schema-change-store.ts';
import type { GateEvidence } from './gates.ts';
import type { MeasureSyncLag } from './sync-lag.ts';

export const DEFAULT_MIN_WINDOW_MS = 10_000;

export type EvidenceWindow = { since?: Date; minWindowMs?: number };

export type GatheredEvidence = GateEvidence & {
  /** start of the window the comparisons were taken from; null: everything the proxy kept */
  since: Date | null;
  /** why something is unknown (no sync running, never verified, ...) */
  notes: string[];
};

type ComparisonRow = {
  since: Date | number; // node-postgres reads '-infinity' as -Infinity
  compared: number;
  matched: number;
  legacy_answers: number;
  legacy_errors: number;
  service_answers: number;
  service_errors: number;
  legacy_p99: number | null;
  service_p99: number | null;
};

// A side failed when it answered 5xx or did not answer at all (transport error, timeout).
const COMPARISONS_SQL = `
WITH w AS (
  SELECT coalesce(?::timestamptz,
           least(coalesce((SELECT max(changed_at) FROM stage_history WHERE service = ?), '-infinity'::timestamptz),
                 now() - make_interval(secs => ?))) AS since
)
SELECT w.since,
  count(c.id)::int AS compared,
  count(c.id) FILTER (WHERE c.outcome = 'match')::int AS matched,
  count(c.id) FILTER (WHERE c.legacy_status IS NOT NULL OR c.legacy_error IS NOT NULL)::int AS legacy_answers,
  count(c.id) FILTER (WHERE c.legacy_status >= 500 OR c.legacy_error IS NOT NULL)::int AS legacy_errors,
  count(c.id) FILTER (WHERE c.service_status IS NOT NULL OR c.service_error IS NOT NULL)::int AS service_answers,
  count(c.id) FILTER (WHERE c.service_status >= 500 OR c.service_error IS NOT NULL)::int AS service_errors,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY c.legacy_ms) AS legacy_p99,
  percentile_cont(0.99) WITHIN GROUP (ORDER BY c.service_ms) AS service_p99
FROM w LEFT JOIN proxy_comparisons c ON c.service = ? AND c.read_at >= w.since
GROUP BY w.since`;

export type ComparisonEvidence = Pick<
  GateEvidence,
  'comparisons' | 'matchRate' | 'errorRate' | 'p99'
> & { since: Date | null };

export async function comparisonEvidence(
  kit: Knex,
  service: string,
  window: EvidenceWindow = {},
): Promise<ComparisonEvidence> {
  const minWindowSeconds = (window.minWindowMs ?? DEFAULT_MIN_WINDOW_MS) / 1000;
  const result = await kit.raw<{ rows: ComparisonRow[] }>(COMPARISONS_SQL, [
    window.since ?? null,
    service,
    minWindowSeconds,
    service,
  ]);
  const r = result.rows[0];
  const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  return {
    since: r.since instanceof Date ? r.since : null,
    comparisons: r.compared,
    matchRate: rate(r.matched, r.compared),
    errorRate: {
      legacy: rate(r.legacy_errors, r.legacy_answers),
      service: rate(r.service_errors, r.service_answers),
    },
    p99: { legacy: num(r.legacy_p99), service: num(r.service_p99) },
  };
}

/** latestVerify speaks node-postgres (`$1`); the kit DB here is a knex pool. */
function pgQueryOn(kit: Knex) {
  return {
    query: async (text: string, params: unknown[] = []) => {
      const result = await kit.raw(text.replace(/\$\d+/g, '?'), params as Knex.RawBinding[]);
      return result as { rows: never[] };
    },
  } as unknown as Parameters<typeof latestVerify>[0];
}

export async function verifyEvidence(
  kit: Knex,
  service: string,
): Promise<GateEvidence['lastVerify']> {
  const exists = await kit.raw<{ rows: { ok: boolean }[] }>(
    `SELECT to_regclass('ficus_verify_runs') IS NOT NULL AS ok`,
  );
  if (!exists.rows[0].ok) return null;
  const run = await latestVerify(pgQueryOn(kit), service);
  return run ? { at: new Date(run.finishedAt), clean: run.clean } : null;
}

/** The service's open breaking column changes, each named as its gate. */
export async function schemaEvidence(
  kit: Knex,
  service: string,
): Promise<NonNullable<GateEvidence['schemaChanges']>> {
  const open = await openSchemaChanges(pgQueryOn(kit));
  return open
    .filter((c) => c.service === service && c.breaking)
    .map((c) => ({ gate: schemaGateName(c), table: c.table, direction: c.direction }));
}

export type EvidenceSources = { kit: Knex; syncLag: MeasureSyncLag };

export async function gatherEvidence(
  sources: EvidenceSources,
  service: string,
  window: EvidenceWindow = {},
): Promise<GatheredEvidence> {
  const [comparisons, lastVerify, lag, schemaChanges] = await Promise.all([
    comparisonEvidence(sources.kit, service, window),
    verifyEvidence(sources.kit, service),
    sources.syncLag(),
    schemaEvidence(sources.kit, service),
  ]);
  const notes: string[] = [];
  if (!lastVerify) notes.push(`${service} was never verified (ficus verify ${service})`);
  if (lag.note) notes.push(lag.note);
  return { ...comparisons, lastVerify, syncLagMs: lag.lagMs, schemaChanges, notes };
}
