/**
 * The write cut-over (`canary -> live`) and its mirror image, the rollback (`live -> canary`).
 * Either way the move of the writes is fenced, so that no write is lost or applied twice:
 *
 *   1. hold the service's writes on every live proxy (fleet-hold.ts; bounded: past the bound a
 *      write gets 503 + Retry-After, never dropped) and wait until each proxy's writes already
 *      under way have answered; a proxy that cannot confirm stops the cut-over, named;
 *   2. drain the sync that runs now: note the source DB's WAL position and wait until the sink
 *      has applied everything committed before it;
 *   3. move the id sequences of the side that takes over past every id, fence the legacy tables
 *      (a cut-over, with a lease) or lift the fence (a rollback, with a lease too);
 *   4. confirm that every proxy still holds (one killed during the hold stops the cut-over, named),
 *      give the fence its final form (permanent, or removed), flip the stage in Unleash (audited
 *      like `ficus stage`), and wait until every proxy routes by it (pushed to each,
 *      stage-propagation.ts);
 *   5. release the held writes: they now go to the new owner. A proxy the flip did not reach keeps
 *      holding until its hold expires (503 + Retry-After, never a write to the old owner). After a
 *      rollback the drained reverse sync is switched off; after a cut-over the forward sync keeps
 *      running for the replicated tables.
 * The sync of the new direction is switched on before the hold (it only sees echoes until the
 * flip), so the writes are held for the drain and the flip alone. ficus starts and stops no sync
 * worker: it sets the direction's assignment in the kit DB and waits until a live worker
 * (`ficus sync`, under the user's supervisor) reports acting on it (cdc/fleet/); with none, the
 * cut-over is abandoned before the hold, naming the worker to start.
 *
 * If a step before the flip fails, everything done so far is undone in reverse order and the
 * writes are released to the old owner; that includes the reverse connector with its slot and
 * publication when this cut-over created it (cutover-undo.ts).
 * Each step is journaled in the kit DB with a lease the cut-over renews (`cutover.lease`), and so
 * are the hold, the fence until the flip and a rollback's lift of the fence (cutover-journal.ts,
 * legacy-fence.ts, fleet-hold.ts): if the process dies, or stalls past `stallAfterMs`, they lapse on
 * their own, the writes back with their owner, and the next cut-over or `ficus stage` of the
 * service finishes or undoes the interrupted one first (cutover-recovery.ts). The hold outlives the
 * fence's lease, so no write let through by the expired hold meets a fence that no longer stands
 * for anything.
 */
import type { Knex } from 'knex';
import pg from 'pg';
import { errorMessage, FicusError } from '../lib/errors.ts';
import type { Progress } from '../lib/progress.ts';
import type { Plan, ServicePlan } from '../plan/plan-types.ts';
import {
  applyConfiguredConnector,
  configuredConnectClient,
  configuredConnectorSpec,
} from '../cdc/connect/configured-connectors.ts';
import { resolveInterruptedCutovers } from './cutover-recovery.ts';
import { STEPS, switchSync, undoSteps, type CutoverScope } from './cutover-undo.ts';
import { loadConfig, serviceConfig, type FicusConfig } from '../lib/config/index.ts';
import { sinkConsistency } from '../cdc/verify/consistent-point.ts';
import { alignIdSequences } from './id-sequences.ts';
import type { SequencePlan } from './sequence-moves.ts';
import { sourceTableOf, targetTableOf } from '../plan/qualified-table.ts';
import { checkGates } from './check-gates.ts';
import {
  changeStage,
  StageChangeRefused,
  validateStageChange,
  type StageChange,
} from './stage-change.ts';
import type { UnleashAdmin } from './unleash-admin.ts';
import { writesAtService, type StageState } from '../plan/stages.ts';
import type { Direction } from '../plan/mapping.ts';
import { syncFleetStore, type SyncFleetStore } from '../cdc/fleet/sync-fleet-store.ts';
import { awaitAcknowledgement } from '../cdc/fleet/switch-direction.ts';
import {
  fenceScope,
  installFence,
  makeFencePermanent,
  removeFence,
  renewFenceLease,
  renewFenceSuspension,
  suspendFence,
} from './legacy-fence.ts';
import type { ProxyFleet } from './proxy-fleet-client.ts';
import {
  awaitWritesAnswered,
  confirmFleetHold,
  holdFleetWrites,
  releaseFleetWrites,
  renewFleetWrites,
  type FleetHold,
} from './fleet-hold.ts';
import { awaitPropagation, describePropagation, type Propagation } from './stage-propagation.ts';
import { createKafkaAdmin } from '../cdc/kafka/kafka-clients.ts';
import { createKnex } from '../lib/database.ts';
import {
  CUTOVER_LEASE_MS,
  CutoverLeaseLost,
  cutoverJournal,
  keepRenewing,
} from './cutover-journal.ts';

export { writesAtService };

export type CutoverRequest = {
  service: string;
  to: StageState;
  actor: string;
  why?: string;
  force?: boolean;
  /** how long a held write may wait before it is refused with 503 */
  holdBoundMs?: number;
  /** how long the drain may take before the cut-over is abandoned */
  drainTimeoutMs?: number;
  /** how long the sync workers may take to acknowledge a switched direction */
  ackTimeoutMs?: number;
  /**
   * a step still running after this long is a stalled cut-over (alive but stuck): it stops
   * renewing its leases, so it lapses like a dead one (default: twice the longest step bound)
   */
  stallAfterMs?: number;
};

export type CutoverDeps = {
  plan: Plan;
  unleash: UnleashAdmin;
  kitDb: Knex;
  /** every live proxy (proxy-fleet-client.ts) */
  proxies: ProxyFleet;
  progress: Progress;
  config?: FicusConfig;
  /** called before each step with its name; tests make a step fail by throwing here */
  beforeStep?: (step: string) => Promise<void>;
};

export type CutoverResult = {
  change: StageChange;
  heldMs: number;
  drainedTo: string | null;
  direction: Direction;
};

class CutoverAbandoned extends FicusError {
  constructor(service: string, step: string, cause: unknown) {
    super(
      'cutover_abandoned',
      `write cut-over of ${service} abandoned at "${step}": ${errorMessage(cause)}; everything done before was undone and the writes released`,
      { cause },
    );
  }
}

/** The legacy DB as ficus's role there, the service's DB as the service's own role. */
function pools(config: FicusConfig, service: ServicePlan) {
  const legacyUrl = config.legacy.database.url;
  const serviceUrl = serviceConfig(config, service.name).database.url;
  const legacy = new pg.Pool({ connectionString: legacyUrl, max: 2 });
  const target = new pg.Pool({ connectionString: serviceUrl, max: 2 });
  const legacyKnex = createKnex(legacyUrl, { poolMax: 2 });
  const serviceKnex = createKnex(serviceUrl, { poolMax: 2 });
  return {
    legacy,
    target,
    legacyKnex,
    serviceKnex,
    close: async () => {
      await Promise.all([legacy.end(), target.end(), legacyKnex.destroy(), serviceKnex.destroy()]);
    },
  };
}

/** What the alignment moved (and left alone), for the cut-over's progress. */
function reportSequences(service: string, side: string, aligned: SequencePlan, progress: Progress) {
  for (const move of aligned.moves)
    progress.done(
      `${service}: ${side} sequence ${move.sequence} moved past ${move.because} (${move.to})`,
    );
  for (const note of aligned.notes) progress.step(`${service}: ${note}`);
}

async function reverseConnectorExists(config: FicusConfig, plan: Plan, service: ServicePlan) {
  const spec = configuredConnectorSpec(plan, service, 'reverse', config);
  return (await configuredConnectClient(config).findStatus(spec.name)) !== undefined;
}

/** Waits until `direction`'s sink has applied everything its source DB has committed. */
async function drain(
  config: FicusConfig,
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
  db: ReturnType<typeof pools>,
  timeoutMs: number,
  progress: Progress,
) {
  const admin = createKafkaAdmin({
    brokers: config.kafka.brokers,
    clientId: 'ficus-cutover',
  });
  await admin.connect();
  try {
    const [source, sink] =
      direction === 'forward' ? [db.legacy, db.target] : [db.target, db.legacy];
    const spec = configuredConnectorSpec(plan, service, direction, config);
    const point = await sinkConsistency({
      legacy: source,
      service: sink,
      connect: configuredConnectClient(config),
      kafkaAdmin: admin,
      spec,
      timeoutMs,
      progress,
    })();
    return point.lsn;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Releases the hold once the flip has reached every proxy: each proxy that routes by the new stage
 * is released (and every live one, when all did: one that joined during the hold too). A proxy the
 * flip did not reach keeps holding until the hold expires, so none sends a write to the old owner;
 * it is named.
 */
export async function releaseAfterFlip(
  proxies: ProxyFleet,
  hold: FleetHold,
  propagation: Propagation,
  progress: Progress,
): Promise<void> {
  const reached = new Set(propagation.reached.map((r) => r.id));
  const members = propagation.missing.length
    ? hold.members.filter((m) => reached.has(m.id))
    : undefined;
  if (propagation.missing.length)
    progress.fail(
      `${describePropagation(propagation)}; their writes stay held until the hold expires`,
    );
  else progress.done(describePropagation(propagation));
  const notReleased = await releaseFleetWrites(proxies, hold, members);
  for (const { member, why } of notReleased)
    progress.fail(
      `${hold.service}: could not release ${member.id} at ${member.adminUrl} (${why}); its hold expires by itself`,
    );
}

export async function moveWrites(
  request: CutoverRequest,
  deps: CutoverDeps,
): Promise<CutoverResult> {
  const config = deps.config ?? loadConfig();
  const { plan, progress, proxies } = deps;
  const service = plan.services.find((s) => s.name === request.service);
  if (!service)
    throw new FicusError('unknown_service', `no service "${request.service}" in ${plan.file}`);
  // a cut-over of the service that died is finished or undone before this one judges anything
  await resolveInterruptedCutovers(service.name, { ...deps, config, actor: request.actor });
  const toService = writesAtService(request.to.stage);
  const [from, to]: Direction[] = toService ? ['forward', 'reverse'] : ['reverse', 'forward'];
  const owned = {
    legacy: service.owns.map((t) => t.source),
  };
  // the owned tables where each side keeps them, for the sequences moved when it takes the writes
  const ownedTables = {
    legacy: service.owns.map((t) => sourceTableOf(plan, t)),
    service: service.owns.map((t) => targetTableOf(service, t)),
  };
  const fence = fenceScope(plan, service);
  const bound = request.holdBoundMs ?? 15_000;
  const leaseMs = config.cutover?.leaseMs ?? CUTOVER_LEASE_MS;
  // The hold is renewed with the journal, so a slow cut-over keeps it; if the process dies it ends
  // by itself, but not before the fence's lease has lapsed (a write let through to the monolith
  // before then would be refused by a fence that no longer stands for anything).
  const holdExpiryMs = Math.max(bound * 4, leaseMs + bound);
  const fleet: SyncFleetStore = syncFleetStore(deps.kitDb);
  const syncChange = (active: boolean) => ({
    service: service.name,
    active,
    changedBy: request.actor,
    why: `write cut-over to ${request.to.stage}${request.why ? `: ${request.why}` : ''}`,
  });
  const db = pools(config, service);
  const scope: CutoverScope = {
    config,
    plan,
    service,
    proxies,
    fleet,
    legacyKnex: db.legacyKnex,
    progress,
    actor: request.actor,
    why: syncChange(false).why,
    ackTimeoutMs: request.ackTimeoutMs,
  };
  let hold: FleetHold | undefined;
  const undoOf = undoSteps(scope, () => hold?.holdId ?? null);
  const undo: { what: string; run: () => Promise<unknown> }[] = [];
  const journal = cutoverJournal(deps.kitDb, leaseMs);
  let journalId: number | undefined;
  let stopRenewing = () => {};
  // what the running cut-over keeps alive: its journal, and the fence once installed with a lease
  const leases: (() => Promise<unknown>)[] = [];
  let step = 'start';
  let flipped = false;
  let flippedAt = 0;
  let undoing = false; // the hold is released by the undo, no longer renewed
  let stepStartedAt = Date.now();
  let stallReported = false;
  // longer than any step may take by its own bounds (drain, acknowledgement, hold, propagation)
  const stallAfterMs =
    request.stallAfterMs ??
    2 *
      Math.max(request.drainTimeoutMs ?? 30_000, request.ackTimeoutMs ?? 30_000, bound * 4, 15_000);
  /** Runs one step, journaled; an `undoable` one is undone (cutover-undo.ts) if a later one fails. */
  const run = async <T>(name: string, work: () => Promise<T>, undoable = false): Promise<T> => {
    step = name;
    stepStartedAt = Date.now();
    if (journalId !== undefined) await journal.step(journalId, name);
    await deps.beforeStep?.(name);
    const value = await work();
    if (undoable) {
      undo.push({ what: name, run: undoOf[name] });
      if (journalId !== undefined) await journal.undoable(journalId, name);
    }
    return value;
  };

  try {
    // Judge the move before touching anything: a refused move must not cost a hold.
    const current = await deps.unleash.readStage(service.name);
    const stageRequest = {
      service: service.name,
      stage: request.to.stage,
      percent: request.to.stage === 'canary' ? request.to.percent : undefined,
      why: request.why,
      force: request.force,
      actor: request.actor,
    };
    validateStageChange(
      stageRequest,
      plan.services.map((s) => s.name),
      current,
    );
    const gates = await checkGates(service.name, request.to, {
      from: current,
      kitDb: deps.kitDb,
      plan,
    });
    if (!gates.ok && !request.force)
      throw new StageChangeRefused(
        `gates do not allow ${service.name} -> ${request.to.stage}: ${gates.summary}`,
        { gates: gates.results },
      );
    progress.done(`${service.name}: ${gates.summary.split('\n')[0]}`);
    // The flip is judged on the same evidence (measured before the hold, not during it).
    const lagBeforeHold = {
      lagMs: gates.evidence?.syncLagMs ?? null,
      note: 'measured before the writes were held',
    };
    journalId = await journal.begin({
      service: service.name,
      from: current.stage,
      to: { stage: request.to.stage, percent: stageRequest.percent ?? 0 },
      actor: request.actor,
    });
    const id = journalId;
    stopRenewing = keepRenewing(
      async () => {
        // a step that runs far past its bound is a stalled cut-over: its leases are left to lapse
        // so that the writes go back to their owner and the next command resolves it
        const stalledMs = Date.now() - stepStartedAt;
        if (stalledMs > stallAfterMs) {
          if (!stallReported)
            progress.fail(
              `${service.name}: the cut-over is stalled at "${step}" (${Math.round(stalledMs / 1000)} s): no longer renewing its leases; it lapses within ${leaseMs / 1000} s and the next \`ficus stage\` resolves it`,
            );
          stallReported = true;
          return;
        }
        if (!(await journal.renew(id))) return; // lapsed already: never revived
        await Promise.all(leases.map((renew) => renew()));
      },
      leaseMs / 3,
      (e) =>
        progress.fail(`${service.name}: could not renew the cut-over's lease: ${errorMessage(e)}`),
    );

    if (toService) {
      // a connector there before (a previous cut-over's, kept after its rollback) stays on undo
      const existed = await reverseConnectorExists(config, plan, service);
      await run(
        STEPS.applyReverse,
        () => applyConfiguredConnector(plan, service, 'reverse', { progress, config }),
        !existed,
      );
    }
    // The new direction's workers may apply before the hold: until the flip, all they can see are
    // the old direction's own writes, which they drop as echoes (cdc/sink/no-echo.ts).
    const wasOn = (await fleet.readAssignment(service.name, to)).active;
    const assignment = await run(
      STEPS.switchOn(to),
      () => fleet.setAssignment({ ...syncChange(true), direction: to }),
      !wasOn,
    );
    await run(`wait for the ${to} sync workers`, () =>
      awaitAcknowledgement(fleet, assignment, { timeoutMs: request.ackTimeoutMs }),
    );
    progress.done(
      `${service.name}: ${to} sync on (generation ${assignment.generation}), acknowledged by its workers`,
    );
    const heldAt = Date.now();
    const held = await run(
      STEPS.hold,
      () =>
        holdFleetWrites(proxies, {
          service: service.name,
          boundMs: bound,
          expiresInMs: holdExpiryMs,
          heldBy: request.actor,
        }),
      true,
    );
    hold = held;
    leases.push(async () => {
      if (hold && !undoing)
        await renewFleetWrites(proxies, held, { boundMs: bound, expiresInMs: holdExpiryMs });
    });
    await journal.holdTaken(journalId, held.holdId);
    progress.step(
      `${service.name}: writes held on ${held.members.length} prox${held.members.length === 1 ? 'y' : 'ies'} (each write waits at most ${bound / 1000} s, then 503 + Retry-After)`,
    );
    await run('wait for writes under way', () => awaitWritesAnswered(held, bound));
    const drainedTo = await run(`drain the ${from} sync`, () =>
      drain(config, plan, service, from, db, request.drainTimeoutMs ?? 30_000, progress),
    );
    progress.done(
      `${service.name}: ${from} sync drained${drainedTo ? ` up to source WAL ${drainedTo}` : ''} (${Date.now() - heldAt} ms after the hold)`,
    );
    if (toService) {
      const aligned = await run('align the service id sequences', () =>
        alignIdSequences(db.serviceKnex, ownedTables.service),
      );
      reportSequences(service.name, 'service', aligned, progress);
      await run(
        STEPS.fence,
        () =>
          installFence(db.legacyKnex, service.name, fence.tables, {
            leaseMs,
            letThrough: fence.letThrough,
          }),
        true,
      );
      leases.push(() => renewFenceLease(db.legacyKnex, service.name, leaseMs));
      progress.done(
        `${service.name}: legacy ${owned.legacy.join(', ')} fenced: only the reverse sync may write there now`,
      );
    } else {
      // lifted with a lease, not removed: if the rollback dies before the flip, the fence is back
      // within the lease while the service still owns the writes; the flip takes it off
      await run(STEPS.liftFence, () => suspendFence(db.legacyKnex, service.name, leaseMs), true);
      leases.push(() => renewFenceSuspension(db.legacyKnex, service.name, leaseMs));
      // the service made rows with its own sequences while it owned the writes, and the reverse
      // sync copied them with their keys: the monolith's next insert must not take one of those
      const aligned = await run('align the legacy id sequences', () =>
        alignIdSequences(db.legacyKnex, ownedTables.legacy),
      );
      reportSequences(service.name, 'legacy', aligned, progress);
    }
    await run('confirm the hold on every proxy', () => confirmFleetHold(proxies, held));
    const change = await run(STEPS.flip, async () => {
      // The fence takes its final form just before Unleash moves the writes, not after: the
      // process may die right after the flip, and then a fence whose lease lapses would let the
      // monolith write what the service owns. Dying between the two leaves, for the next command,
      // a permanent fence (or none) with the stage not moved yet: it reads the stage in Unleash,
      // sees no flip, and undoes (cutover-recovery.ts).
      if (toService) await makeFencePermanent(db.legacyKnex, service.name);
      else await removeFence(db.legacyKnex, fence.tables);
      const changed = await changeStage(
        { ...stageRequest, gateContext: { plan, syncLag: async () => lagBeforeHold } },
        { services: plan.services.map((s) => s.name), unleash: deps.unleash, kitDb: deps.kitDb },
      );
      flippedAt = Date.now();
      return changed;
    });
    undo.length = 0; // past the flip there is no going back by undo: a rollback is a new move
    await journal.flipped(journalId);
    flipped = true;
    change.propagation = await run(STEPS.propagate, () =>
      awaitPropagation(proxies, service.name, change.to, { changedAt: flippedAt }),
    );
    const propagation = change.propagation;
    await run(STEPS.release, async () => {
      hold = undefined; // released now: no longer renewed
      await releaseAfterFlip(proxies, held, propagation, progress);
    });
    const heldMs = Date.now() - heldAt;
    progress.done(
      `${service.name}: writes released to the ${toService ? 'service' : 'monolith'} after ${heldMs} ms held`,
    );
    // The forward sync keeps running after a cut-over: the service still replicates tables it does
    // not own (its read model), and for the owned ones it only sees the reverse sync's writes,
    // which it drops as echoes (anything else is fenced). The reverse sync, drained after a
    // rollback, has nothing left to do: switch it off unhurried. The move is done by now, so a
    // worker slow to stand by is reported, not undone (it sees only echoes of the forward sync).
    if (from === 'reverse')
      await run(STEPS.switchOff(from), () => switchSync(scope, from, false)).catch(
        (error: unknown) => progress.fail(`${service.name}: ${errorMessage(error)}`),
      );
    await journal.end(journalId, 'done');
    return { change, heldMs, drainedTo, direction: to };
  } catch (error) {
    if (error instanceof CutoverLeaseLost) throw error; // the next command's to resolve now
    undoing = true;
    progress.fail(`${service.name}: cut-over failed at "${step}": ${errorMessage(error)}; undoing`);
    let undoneAll = true;
    for (const { what, run: revert } of undo.reverse()) {
      await revert().then(
        () => progress.done(`undone: ${what}`),
        (e: unknown) => {
          undoneAll = false;
          progress.fail(`could not undo "${what}": ${errorMessage(e)}`);
        },
      );
    }
    // An undo that failed, or a failure after the flip, leaves the row running: its lease lapses
    // and the next cut-over or `ficus stage` retries the undo, or finishes the move.
    if (journalId !== undefined && undoneAll && !flipped) await journal.end(journalId, 'undone');
    throw error instanceof StageChangeRefused
      ? error
      : new CutoverAbandoned(service.name, step, error);
  } finally {
    stopRenewing();
    await db.close();
  }
}
