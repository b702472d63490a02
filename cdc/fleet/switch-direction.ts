/**
 * Switching a sync direction on or off, the way the cut-over and the rollback do it: change the
 * assignment in the kit DB (a new generation) and wait, bounded, until the fleet acknowledges it
 * (sync-fleet.ts `acknowledged`). ficus starts and stops no worker here: the workers run under the
 * user's supervisor and follow the assignment (cdc/sink/sink-follower.ts).
 */
import { FicusError } from '../../lib/errors.ts';
import type { Progress } from '../../lib/progress.ts';
import { sleep } from '../../lib/wait.ts';
import type { Direction } from '../../plan/mapping.ts';
import { acknowledged, describeFleet, type Assignment } from './sync-fleet.ts';
import type { SyncFleetStore } from './sync-fleet-store.ts';

export class FleetDidNotAcknowledge extends FicusError {
  constructor(assignment: Assignment, fleet: string, timeoutMs: number) {
    const { service, direction, active } = assignment;
    const what = active ? 'running' : 'standing by';
    const fix = active
      ? `: start \`ficus sync ${service} --direction ${direction}\` under the supervisor that runs the sync workers (systemd, Kubernetes; on the embedded stack \`ficus stack up --apps\`)`
      : `: stop the ${direction} workers of ${service} that still apply`;
    super(
      'fleet_not_acknowledging',
      `no ${direction} sync worker of ${service} reported ${what} at generation ${assignment.generation} within ${timeoutMs} ms (${fleet})${fix}`,
      { details: { service, direction, active, generation: assignment.generation } },
    );
  }
}

export type SwitchOptions = {
  changedBy: string;
  why?: string;
  timeoutMs?: number;
  intervalMs?: number;
  progress?: Progress;
};

/** Polls until the fleet acts on `assignment`; throws FleetDidNotAcknowledge past the bound. */
export async function awaitAcknowledgement(
  store: SyncFleetStore,
  assignment: Assignment,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { now, workers } = await store.workers(assignment.service);
    if (acknowledged(assignment, workers, now)) return;
    if (Date.now() > deadline)
      throw new FleetDidNotAcknowledge(
        assignment,
        describeFleet(assignment, workers, now),
        timeoutMs,
      );
    await sleep(options.intervalMs ?? 200);
  }
}

/** Sets `direction` of `service` on or off and waits until the fleet acknowledges it. */
export async function switchDirection(
  store: SyncFleetStore,
  target: { service: string; direction: Direction; active: boolean },
  options: SwitchOptions,
): Promise<Assignment> {
  const assignment = await store.setAssignment({
    ...target,
    changedBy: options.changedBy,
    why: options.why,
  });
  await awaitAcknowledgement(store, assignment, options);
  options.progress?.done(
    `${target.service}: ${target.direction} sync ${target.active ? 'on' : 'off'} (generation ${assignment.generation}), acknowledged by its workers`,
  );
  return assignment;
}
