/**
 * How each step of the write cut-over (cutover.ts) is undone, by the step's name as the journal
 * records it (cutover-journal.ts): the same table serves the cut-over that fails and undoes what
 * it did, and the next command that undoes a cut-over whose process died (cutover-recovery.ts).
 */
import type { Knex } from 'knex';
import type { FicusConfig } from '../lib/config/index.ts';
import type { Progress } from '../lib/progress.ts';
import type { Direction } from '../plan/mapping.ts';
import type { Plan, ServicePlan } from '../plan/plan-types.ts';
import type { SyncFleetStore } from '../cdc/fleet/sync-fleet-store.ts';
import { switchDirection } from '../cdc/fleet/switch-direction.ts';
import { removeConfiguredConnector } from '../cdc/connect/configured-connectors.ts';
import { fenceScope, installFence, removeFence } from './legacy-fence.ts';
import { releaseFleetWrites } from './fleet-hold.ts';
import type { ProxyFleet } from './proxy-fleet-client.ts';
import { FLIP_STEP } from './cutover-journal.ts';

export const STEPS = {
  applyReverse: 'apply the reverse connector',
  switchOn: (direction: Direction) => `switch the ${direction} sync on`,
  hold: 'hold writes on every proxy',
  fence: 'fence the legacy tables',
  /** the rollback lifts the fence with a lease until the flip takes it off (legacy-fence.ts) */
  liftFence: 'lift the legacy fence',
  /** what a journal written before the fence could be lifted with a lease records */
  unfence: 'remove the legacy fence',
  flip: FLIP_STEP,
  propagate: 'wait for every proxy to route by the new stage',
  release: 'release the writes',
  switchOff: (direction: Direction) => `switch the ${direction} sync off`,
} as const;

export type CutoverScope = {
  config: FicusConfig;
  plan: Plan;
  service: ServicePlan;
  proxies: ProxyFleet;
  fleet: SyncFleetStore;
  legacyKnex: Knex;
  progress: Progress;
  actor: string;
  /** why the syncs are switched, for their audit */
  why: string;
  ackTimeoutMs?: number;
};

/** Switches one direction of the service's sync and waits for its workers. */
export function switchSync(scope: CutoverScope, direction: Direction, active: boolean) {
  const { service, actor, why, progress } = scope;
  return switchDirection(
    scope.fleet,
    { service: service.name, direction, active },
    {
      changedBy: actor,
      why,
      timeoutMs: scope.ackTimeoutMs,
      progress,
    },
  );
}

/** The undo of each undoable step; `holdId` is the hold the cut-over took, once it took one. */
export function undoSteps(
  scope: CutoverScope,
  holdId: () => string | null,
): Record<string, () => Promise<unknown>> {
  const { plan, service, config, legacyKnex, proxies } = scope;
  const fence = fenceScope(plan, service);
  // permanent again, and no longer lifted: the service still owns the writes
  const restoreFence = () =>
    installFence(legacyKnex, service.name, fence.tables, { letThrough: fence.letThrough });
  return {
    [STEPS.applyReverse]: () => removeConfiguredConnector(plan, service, 'reverse', config),
    [STEPS.switchOn('reverse')]: () => switchSync(scope, 'reverse', false),
    [STEPS.switchOn('forward')]: () => switchSync(scope, 'forward', false),
    [STEPS.hold]: async () => {
      const id = holdId();
      if (id) await releaseFleetWrites(proxies, { holdId: id, service: service.name });
    },
    [STEPS.fence]: () => removeFence(legacyKnex, fence.tables),
    [STEPS.liftFence]: () => restoreFence(),
    [STEPS.unfence]: () => restoreFence(),
  };
}
