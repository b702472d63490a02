/**
 * The hook `ficus stage` (rollout/stage-change.ts) consults before it moves a service, and
 * `ficus rollout` before and during each step: the gates of the plan (samples, match rate,
 * parity, sync lag, errors, latency; rollout/gates.ts) judged on the evidence really recorded
 * (rollout/gate-evidence.ts). Moving back (or staying) is never gated: a rollback must always
 * be possible.
 *
 *   const check = await checkGates('catalog', { stage: 'canary', percent: 25 }, { from, kitDb });
 *   if (!check.ok) console.log(check.summary); // each gate with its value and threshold
 */
import type { Knex } from 'knex';
import { loadPlan } from '../plan/load-plan.ts';
import type { GatePlan, Plan } from '../plan/plan-types.ts';
import { gatherEvidence, type EvidenceWindow, type GatheredEvidence } from './gate-evidence.ts';
import { evaluateGates, formatGates, type GateResult } from './gates.ts';
import { openSyncLag } from './configured-sync-lag.ts';
import type { MeasureSyncLag } from './sync-lag.ts';
import { kitDbUrl, openKitDb } from '../lib/kit-db.ts';
import { STAGES, type Stage, type StageState } from '../plan/stages.ts';

export type GateCheck = {
  /** may the service move to the target stage? */
  ok: boolean;
  /** what was checked, with values, stored with the stage change */
  results: GateResult[];
  /** for the operator: each gate with its value and threshold */
  summary: string;
  /** what the gates were judged on (absent when the move is not gated) */
  evidence?: GatheredEvidence;
};

export type GateContext = {
  /** where the service stands now; without it every move but one to `legacy` counts as forward */
  from?: StageState;
  /** the kit DB; default: FICUS_KIT_DB_URL or the stack's `ficus` database */
  kitDb?: Knex;
  /** default: the plan file (FICUS_PLAN or plan/shop.plan.yaml) */
  plan?: Plan;
  /** thresholds over the plan's `gates:` (e.g. `ficus rollout --min-comparisons`) */
  thresholds?: GatePlan;
  /** which comparisons count; default: since the latest stage change, at least a minute */
  window?: EvidenceWindow;
  /** default: the probe of the service's forward pipeline on the stack */
  syncLag?: MeasureSyncLag;
  now?: Date;
};

const describe = (s: StageState) => (s.stage === 'canary' ? `canary ${s.percent}%` : s.stage);

/** Forward means further along the stage table, or a larger canary share. */
export function isAdvance(from: StageState | undefined, to: StageState): boolean {
  if (to.stage === 'legacy') return false;
  if (!from) return true;
  const step = STAGES.indexOf(to.stage) - STAGES.indexOf(from.stage);
  return step > 0 || (step === 0 && to.stage === 'canary' && to.percent > from.percent);
}

/** The plan's gates for the service with the overrides on top (a service not in the plan: defaults). */
export function thresholdsFor(plan: Plan, service: string, overrides: GatePlan = {}): GatePlan {
  const planned = plan.services.find((s) => s.name === service)?.gates ?? {};
  return { ...planned, ...overrides };
}

/**
 * Which comparisons count, by default: those since the service's latest stage change. Except for
 * the write cut-over from `canary 100`: the service then answers every read, so nothing is
 * compared at 100% and the evidence is that of the step before (since the previous change).
 */
async function defaultWindow(
  kitDb: Knex,
  service: string,
  from: StageState | undefined,
  to: StageState,
): Promise<EvidenceWindow | undefined> {
  if (to.stage !== 'live' || from?.stage !== 'canary' || from.percent < 100) return undefined;
  const rows = await kitDb('stage_history')
    .where({ service })
    .orderBy([
      { column: 'changed_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(2)
    .select('changed_at');
  return rows.length === 2 ? { since: new Date(rows[1].changed_at) } : undefined;
}

export async function checkGates(
  service: string,
  target: Stage | StageState,
  context: GateContext = {},
): Promise<GateCheck> {
  const to: StageState =
    typeof target === 'string' ? { stage: target, percent: target === 'canary' ? 100 : 0 } : target;
  if (!isAdvance(context.from, to)) {
    const from = context.from ? describe(context.from) : 'its stage';
    return {
      ok: true,
      results: [],
      summary: `${service}: ${from} -> ${describe(to)} is not an advance; moving back is never gated`,
    };
  }
  const plan = context.plan ?? loadPlan();
  const kitDb = context.kitDb ?? openKitDb(kitDbUrl(), 2);
  const lags = context.syncLag ? undefined : openSyncLag(plan);
  try {
    const window = context.window ?? (await defaultWindow(kitDb, service, context.from, to));
    const evidence = await gatherEvidence(
      { kit: kitDb, syncLag: context.syncLag ?? lags!.forService(service) },
      service,
      window,
    );
    const results = evaluateGates(
      to.stage,
      evidence,
      thresholdsFor(plan, service, context.thresholds),
      context.now,
    );
    const failed = results.filter((r) => !r.ok).length;
    const head = failed
      ? `${failed} of ${results.length} gates fail for ${service} -> ${describe(to)}`
      : `gates hold for ${service} -> ${describe(to)}`;
    const since = evidence.since
      ? `comparisons since ${evidence.since.toISOString()}`
      : 'every comparison kept';
    const notes = evidence.notes.map((n) => `  note: ${n}`);
    return {
      ok: failed === 0,
      results,
      evidence,
      summary: [`${head} (${since}):`, formatGates(results), ...notes].join('\n'),
    };
  } finally {
    await lags?.close();
    if (!context.kitDb) await kitDb.destroy();
  }
}
