/**
 * Gates: conditions that must hold before a service's stage may advance. Pure: it takes the
 * evidence (what the parallel run, the parity check and the sync recorded) and the thresholds
 * (plan, with defaults), and says for each gate its value, its threshold and whether it holds.
 * Gathering the evidence is rollout/gate-evidence.ts; this file only judges.
 */
import type { GatePlan } from '../plan/plan-types.ts';

export type Stage = 'legacy' | 'shadow' | 'canary' | 'live' | 'complete';
export const STAGES: Stage[] = ['legacy', 'shadow', 'canary', 'live', 'complete'];

export type GateEvidence = {
  /** comparisons recorded for the service's routes in the window */
  comparisons: number;
  /** matched / compared, or null with no comparisons */
  matchRate: number | null;
  /** the newest `ficus verify` of the service */
  lastVerify: { at: Date; clean: boolean } | null;
  /** forward sync lag, ms, or null if unknown (no sync running) */
  syncLagMs: number | null;
  /** share of 5xx/failed answers per side on the service's routes */
  errorRate: { legacy: number | null; service: number | null };
  /** p99 latency per side on the service's routes, ms */
  p99: { legacy: number | null; service: number | null };
  /**
   * Open breaking column changes the sync paused a table at, each named as its gate
   * (`schema: products.price changed numeric → text at offset …`); absent: none known.
   */
  schemaChanges?: { gate: string; table: string; direction: 'forward' | 'reverse' }[];
};

export type GateThresholds = Required<GatePlan>;

export const DEFAULT_GATES: GateThresholds = {
  minComparisons: 100,
  minMatchRate: 0.99,
  maxVerifyAgeMinutes: 60,
  maxSyncLagMs: 5_000,
  maxErrorRateDelta: 0.01,
  maxP99Ratio: 1.5,
};

/** Latencies this small are noise (one GC pause, one busy core): a ratio between them says nothing. */
const LATENCY_FLOOR_MS = 50;

export type GateResult = { gate: string; ok: boolean; value: string; threshold: string };

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function evidenceGates(evidence: GateEvidence, t: GateThresholds): GateResult[] {
  return [
    {
      gate: 'comparisons',
      ok: evidence.comparisons >= t.minComparisons,
      value: String(evidence.comparisons),
      threshold: `>= ${t.minComparisons}`,
    },
    {
      gate: 'match rate',
      ok: evidence.matchRate !== null && evidence.matchRate >= t.minMatchRate,
      value: evidence.matchRate === null ? 'none compared' : pct(evidence.matchRate),
      threshold: `>= ${pct(t.minMatchRate)}`,
    },
  ];
}

function dataGates(evidence: GateEvidence, t: GateThresholds, now: Date): GateResult[] {
  const verify = evidence.lastVerify;
  const ageMinutes = verify ? (now.getTime() - verify.at.getTime()) / 60_000 : Infinity;
  return [
    {
      gate: 'parity',
      ok: !!verify && verify.clean && ageMinutes <= t.maxVerifyAgeMinutes,
      value: !verify
        ? 'never verified'
        : `${verify.clean ? 'clean' : 'NOT clean'}, ${ageMinutes.toFixed(1)} min ago`,
      threshold: `clean, <= ${t.maxVerifyAgeMinutes} min old`,
    },
    {
      gate: 'sync lag',
      ok: evidence.syncLagMs !== null && evidence.syncLagMs <= t.maxSyncLagMs,
      value: evidence.syncLagMs === null ? 'unknown' : `${Math.round(evidence.syncLagMs)} ms`,
      threshold: `<= ${t.maxSyncLagMs} ms`,
    },
  ];
}

function healthGates(evidence: GateEvidence, t: GateThresholds): GateResult[] {
  const { legacy, service } = evidence.errorRate;
  const delta = service === null ? null : service - (legacy ?? 0);
  const p99 = evidence.p99;
  const ratio =
    p99.service === null || p99.legacy === null
      ? null
      : Math.max(p99.service, LATENCY_FLOOR_MS) / Math.max(p99.legacy, LATENCY_FLOOR_MS);
  return [
    {
      gate: 'error rate',
      ok: delta === null || delta <= t.maxErrorRateDelta,
      value:
        service === null
          ? 'no service answers yet'
          : `service ${pct(service)} vs monolith ${pct(legacy ?? 0)}`,
      threshold: `service - monolith <= ${pct(t.maxErrorRateDelta)}`,
    },
    {
      gate: 'p99 latency',
      ok: ratio === null || ratio <= t.maxP99Ratio,
      value:
        ratio === null
          ? 'not measured yet'
          : `service ${p99.service!.toFixed(1)} ms vs monolith ${p99.legacy!.toFixed(1)} ms (${ratio.toFixed(2)}x)`,
      threshold: `<= ${t.maxP99Ratio}x monolith`,
    },
  ];
}

/** A breaking column change blocks every stage advance until it is dealt with. */
function schemaGates(evidence: GateEvidence): GateResult[] {
  return (evidence.schemaChanges ?? []).map((c) => ({
    gate: c.gate,
    ok: false,
    value: `${c.direction} sync of ${c.table} paused`,
    threshold: 'the plan and the target changed for it, the sync resumed',
  }));
}

/**
 * The gates for moving into `target`. Shadow needs the data in place; canary and beyond need
 * evidence from the parallel run; every step past shadow needs the service healthy.
 */
export function evaluateGates(
  target: Stage,
  evidence: GateEvidence,
  plan: GatePlan = {},
  now = new Date(),
): GateResult[] {
  const t: GateThresholds = { ...DEFAULT_GATES, ...plan };
  switch (target) {
    case 'legacy':
      return [];
    case 'shadow':
      return [...dataGates(evidence, t, now), ...schemaGates(evidence)];
    case 'canary':
    case 'live':
      return [
        ...evidenceGates(evidence, t),
        ...dataGates(evidence, t, now),
        ...healthGates(evidence, t),
        ...schemaGates(evidence),
      ];
    case 'complete':
      return [...healthGates(evidence, t), ...schemaGates(evidence)];
  }
}

export const gatesHold = (results: GateResult[]) => results.every((r) => r.ok);

export function formatGates(results: GateResult[]): string {
  if (!results.length) return '  (no gates for this step)';
  const width = Math.max(...results.map((r) => r.gate.length));
  return results
    .map(
      (r) => `  ${r.ok ? '✓' : '✗'} ${r.gate.padEnd(width)}  ${r.value}   (needs ${r.threshold})`,
    )
    .join('\n');
}
