/**
 * What `ficus status` reports, gathered: for every service of the plan its stage (Unleash), the
 * gates of its next stage judged on the evidence now (comparisons since its latest stage change,
 * parity, measured sync lag), its latest rollout; and the stage history (who, when, why, forced).
 * JSON shape (stable; DESIGN.md names the first six fields of a service):
 *   { services: [{ name, stage, percent, syncLagMs, parity, matchRate, comparisons, next, gates,
 *                  rollout, notes, sync }], history: [{ at, service, from, to, actor, reason, forced }] }
 * `sync`: per direction its assignment in the kit DB and its live workers,
 *   [{ direction, active, generation, changedAt, workers: { live, running, standby, heartbeatAgeMs } }]
 * `repair`: the latest `ficus verify --repair` (null: none),
 *   { id, at, actor, direction, copied, deleted, cleanAfter }
 * `schemaChanges`: the column changes of its tables the sync saw and nobody resolved yet
 *   (cdc/sink/schema-change-store.ts), [{ id, direction, table, topic, partition, offset, column, kind, from, to, mapped,
 *   breaking, description, position, lsn, firstSeenAt, resolvedAt }]; a breaking one paused
 *   the table's sync and is a failing gate
 * `cutover`: a write cut-over of the service whose process died before it ended (its journal's lease
 *   lapsed), null when none: { id, from, to, actor, startedAt, step, flipped }; the next
 *   `ficus stage` of the service finishes it (flipped) or undoes it
 * `copies`: the bulk initial copy of each legacy table of the service, as its sync workers last
 *   recorded it (cdc/copy/), [{ service, table, state: requested|copying|done, rowsCopied,
 *   estimatedRows, chunks, chunksCopied, rowsPerSecond, etaSeconds, startedAt, finishedAt, lastError }]
 * `proxies` (top level): the live proxies of the fleet (proxy/fleet/), each with what it routes by,
 *   [{ id, url, adminUrl, version, routesBy: { <service>: 'canary 5%' }, stagesReadAgeMs,
 *      heartbeatAgeMs, leaseExpiresInMs }]; a proxy whose lease expired is not listed.
 */
import { readCopyProgress } from '../cdc/copy/copy-progress-store.ts';
import type { CopyProgress } from '../cdc/copy/copy-progress.ts';
import type { Knex } from 'knex';
import type { UnleashAdmin } from './unleash-admin.ts';
import { thresholdsFor } from './check-gates.ts';
import { STAGES, type StageState } from '../plan/stages.ts';
import type { Plan } from '../plan/plan-types.ts';
import { gatherEvidence } from './gate-evidence.ts';
import { evaluateGates, gatesHold, type GateResult } from './gates.ts';
import { rolloutStore } from './rollout-store.ts';
import type { MeasureSyncLag } from './sync-lag.ts';
import { directionStatus, type DirectionStatus } from '../cdc/fleet/sync-fleet.ts';
import { syncFleetStore } from '../cdc/fleet/sync-fleet-store.ts';
import { latestRepairs, type RepairRecord } from '../cdc/verify/repair-store.ts';
import { openSchemaChanges, type SchemaChangeRecord } from '../cdc/sink/schema-change-store.ts';
import { fleetStatus, type ProxyStatus } from '../lib/proxy-fleet/proxy-fleet.ts';
import { proxyFleetStore } from '../lib/proxy-fleet/proxy-fleet-store.ts';
import { cutoverJournal, flipHappened, type JournalEntry } from './cutover-journal.ts';

export type ServiceStatus = {
  name: string;
  stage: string;
  percent: number;
  syncLagMs: number | null;
  parity: { clean: boolean; verifiedAt: string } | null;
  matchRate: number | null;
  comparisons: number;
  /** the stage the gates were judged for; null at `complete` */
  next: StageState | null;
  gates: { ok: boolean; results: GateResult[] } | null;
  rollout: {
    id: number;
    status: string;
    steps: number[];
    at: number | null;
    reason: string | null;
    updatedAt: string;
  } | null;
  notes: string[];
  /** each sync direction's assignment and its live workers (cdc/fleet/) */
  sync: DirectionStatus[];
  /** the latest `ficus verify --repair` of the service (cdc/verify/repair-store.ts) */
  repair: RepairSummary | null;
  /** column changes of its tables seen by the sync, not resolved (cdc/sink/schema-change-store.ts) */
  schemaChanges: SchemaChangeRecord[];
  /** a cut-over whose process died before it ended (rollout/cutover-journal.ts) */
  cutover: InterruptedCutover | null;
  /** the bulk initial copy of each of its tables, as the sync workers last recorded it (cdc/copy/) */
  copies: CopyProgress[];
};

export type InterruptedCutover = Pick<
  JournalEntry,
  'id' | 'from' | 'to' | 'actor' | 'startedAt' | 'step' | 'flipped'
>;

async function interruptedCutovers(
  kitDb: Knex,
  unleash: UnleashAdmin,
): Promise<Map<string, InterruptedCutover>> {
  try {
    const entries = await cutoverJournal(kitDb).interrupted();
    // one that died at the flip itself is judged by Unleash, as the next command will judge it
    for (const e of entries) e.flipped = await flipHappened(e, unleash);
    return new Map(
      entries.map((e) => [
        e.service,
        {
          id: e.id,
          from: e.from,
          to: e.to,
          actor: e.actor,
          startedAt: e.startedAt,
          step: e.step,
          flipped: e.flipped,
        },
      ]),
    );
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return new Map(); // no journal (before 0305)
    throw error;
  }
}

export type RepairSummary = {
  id: number;
  at: string;
  actor: string;
  direction: string;
  copied: number;
  deleted: number;
  cleanAfter: boolean;
};

function repairSummary(r: RepairRecord | undefined): RepairSummary | null {
  if (!r) return null;
  const sum = (k: 'copied' | 'deleted') => r.tables.reduce((n, t) => n + t[k], 0);
  return {
    id: r.id,
    at: r.finishedAt,
    actor: r.actor,
    direction: r.direction,
    copied: sum('copied'),
    deleted: sum('deleted'),
    cleanAfter: r.cleanAfter,
  };
}

export type HistoryEntry = {
  at: string;
  service: string;
  from: string;
  to: string;
  actor: string;
  reason: string | null;
  forced: boolean;
};

export type StatusReport = {
  services: ServiceStatus[];
  history: HistoryEntry[];
  /** the live proxies; empty with a kit DB from before the registry */
  proxies: ProxyStatus[];
};

async function liveProxyStatus(kitDb: Knex): Promise<ProxyStatus[]> {
  try {
    const { now, proxies } = await proxyFleetStore(kitDb).proxies();
    return fleetStatus(proxies, now);
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return []; // no registry (before 0302)
    throw error;
  }
}

/** The next stage a service would move to (canary grows by share; gates are the same for any share). */
export function nextStage(s: StageState): StageState | null {
  if (s.stage === 'canary')
    return s.percent < 100
      ? { stage: 'canary', percent: s.percent + 1 }
      : { stage: 'live', percent: 0 };
  const next = STAGES[STAGES.indexOf(s.stage) + 1];
  return next ? { stage: next, percent: next === 'canary' ? 1 : 0 } : null;
}

const shown = (s: { stage: string; percent: number }) =>
  s.stage === 'canary' ? `canary ${s.percent}` : s.stage;

export async function serviceStatus(deps: {
  plan: Plan;
  kitDb: Knex;
  unleash: UnleashAdmin;
  syncLag: (service: string) => MeasureSyncLag;
  historyLimit?: number;
}): Promise<StatusReport> {
  const rollouts = new Map(
    (await rolloutStore(deps.kitDb).latestPerService()).map((r) => [r.service, r]),
  );
  // knex speaks `?` placeholders; the reader binds none
  const repairs = new Map(
    (await latestRepairs({ query: (sql) => deps.kitDb.raw(sql) })).map((r) => [r.service, r]),
  );
  const schemaChanges = await openSchemaChanges({ query: (sql) => deps.kitDb.raw(sql) });
  const cutovers = await interruptedCutovers(deps.kitDb, deps.unleash);
  const copies = await readCopyProgress({ query: (sql) => deps.kitDb.raw(sql) });
  const fleet = syncFleetStore(deps.kitDb);
  const syncOf = async (service: string) => {
    const [assignments, { now, workers }] = await Promise.all([
      fleet.readAssignments(service),
      fleet.workers(service),
    ]);
    return assignments.map((a) => directionStatus(a, workers, now));
  };
  const services: ServiceStatus[] = [];
  for (const { name } of deps.plan.services) {
    const state = await deps.unleash.readStage(name);
    const evidence = await gatherEvidence({ kit: deps.kitDb, syncLag: deps.syncLag(name) }, name);
    const next = nextStage(state);
    const results = next
      ? evaluateGates(next.stage, evidence, thresholdsFor(deps.plan, name))
      : null;
    const rollout = rollouts.get(name);
    services.push({
      name,
      stage: state.stage,
      percent: state.percent,
      syncLagMs: evidence.syncLagMs,
      parity: evidence.lastVerify
        ? { clean: evidence.lastVerify.clean, verifiedAt: evidence.lastVerify.at.toISOString() }
        : null,
      matchRate: evidence.matchRate,
      comparisons: evidence.comparisons,
      next,
      gates: results ? { ok: gatesHold(results), results } : null,
      rollout: rollout
        ? {
            id: rollout.id,
            status: rollout.status,
            steps: rollout.steps,
            at: rollout.current >= 0 ? rollout.steps[rollout.current] : null,
            reason: rollout.reason,
            updatedAt: rollout.updatedAt.toISOString(),
          }
        : null,
      notes: evidence.notes,
      sync: await syncOf(name),
      repair: repairSummary(repairs.get(name)),
      schemaChanges: schemaChanges.filter((c) => c.service === name),
      cutover: cutovers.get(name) ?? null,
      copies: copies.filter((c) => c.service === name),
    });
  }
  const rows = await deps
    .kitDb('stage_history')
    .orderBy('id', 'desc')
    .limit(deps.historyLimit ?? 20);
  const history = rows.reverse().map((r) => ({
    at: new Date(r.changed_at).toISOString(),
    service: r.service,
    from: shown({ stage: r.from_stage, percent: r.from_percent }),
    to: shown({ stage: r.to_stage, percent: r.to_percent }),
    actor: r.actor,
    reason: r.reason,
    forced: r.forced,
  }));
  return { services, history, proxies: await liveProxyStatus(deps.kitDb) };
}
