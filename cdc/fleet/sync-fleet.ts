/**
 * The sync fleet, judged: pure rules over the state in the kit DB (sync-fleet-store.ts). Which
 * direction of a service's sync is switched on is an *assignment* with a generation that every
 * change bumps; each sync worker (`ficus sync`, under the user's supervisor) reports the state it
 * is in, the generation it acts on, and a lease it renews every second. The control plane never
 * owns a worker's process: it changes an assignment and waits until the fleet acknowledges it.
 */
import type { Direction } from '../../plan/mapping.ts';

export type Assignment = {
  service: string;
  direction: Direction;
  active: boolean;
  /** 0 for the default (no row yet); every change bumps it */
  generation: number;
  changedAt: Date | null;
  changedBy: string | null;
  why: string | null;
};

export type WorkerState = 'running' | 'standby' | 'stopping';

export type WorkerReport = {
  workerId: string;
  service: string;
  direction: Direction;
  host: string;
  pid: number;
  version: string;
  state: WorkerState;
  /** the assignment generation the state acts on */
  generation: number;
  applied: number;
  lag: number | null;
  heartbeatAt: Date;
  leaseExpiresAt: Date;
};

/** How often a worker renews its lease, and how long the lease holds. */
export const HEARTBEAT_MS = 1_000;
export const LEASE_MS = 10_000;
/**
 * A worker that could not renew its lease for this long stops applying (standby) until it can:
 * earlier than the lease runs out on the kit DB's clock, so that by the time the control plane
 * stops counting it, it has stopped writing (the margin covers the batch in flight and clock rate).
 */
export const SELF_FENCE_MS = LEASE_MS - 3_000;

/** No row: forward on (the parallel run), reverse off (until the write cut-over). */
export function defaultAssignment(service: string, direction: Direction): Assignment {
  return {
    service,
    direction,
    active: direction === 'forward',
    generation: 0,
    changedAt: null,
    changedBy: null,
    why: null,
  };
}

/** A worker counts while its lease holds and it has not said it is going. */
export const isLive = (worker: WorkerReport, now: Date) =>
  worker.state !== 'stopping' && worker.leaseExpiresAt.getTime() > now.getTime();

export const liveWorkers = (workers: WorkerReport[], assignment: Assignment, now: Date) =>
  workers.filter(
    (w) =>
      w.service === assignment.service && w.direction === assignment.direction && isLive(w, now),
  );

/**
 * Whether the fleet acts on `assignment`: switched on, every live worker runs at its generation
 * (or a newer one), and there is at least one; switched off, every live worker stands by at it
 * (none is fine). Every one, not any one: the workers of a direction share its partitions, and a
 * live worker still on its way would join the group during the cut-over's drain and move
 * partitions under it; one that cannot start is named by the error instead.
 */
export function acknowledged(assignment: Assignment, workers: WorkerReport[], now: Date): boolean {
  const live = liveWorkers(workers, assignment, now);
  const acting = (w: WorkerReport, state: WorkerState) =>
    w.state === state && w.generation >= assignment.generation;
  return assignment.active
    ? live.length > 0 && live.every((w) => acting(w, 'running'))
    : live.every((w) => acting(w, 'standby'));
}

/** What the fleet of `assignment` does instead, for the error that abandons a wait. */
export function describeFleet(assignment: Assignment, workers: WorkerReport[], now: Date): string {
  const live = liveWorkers(workers, assignment, now);
  if (!live.length) return `no live ${assignment.direction} worker of ${assignment.service}`;
  const each = live.map(
    (w) => `${w.workerId} ${w.state} at generation ${w.generation} (pid ${w.pid} on ${w.host})`,
  );
  return `${live.length} live ${assignment.direction} worker(s) of ${assignment.service}: ${each.join(', ')}`;
}

/**
 * What a worker does now: apply only while the last assignment it read switches it on and it
 * renewed its lease recently. Before its first contact with the kit DB it knows nothing, so it
 * stands by; when the kit DB goes away it keeps what it does until SELF_FENCE_MS have passed
 * without a renewal (a short outage does not stop the sync), then stands by: once its lease has
 * lapsed the control plane no longer counts it, and it must not apply in a direction that may
 * have been switched off meanwhile.
 */
export function shouldRun(
  known: Assignment | null,
  msSinceRenewal: number,
  selfFenceMs = SELF_FENCE_MS,
): boolean {
  return known !== null && known.active && msSinceRenewal < selfFenceMs;
}

/** One line per direction for `ficus status`. */
export type DirectionStatus = {
  direction: Direction;
  active: boolean;
  generation: number;
  changedAt: string | null;
  workers: { live: number; running: number; standby: number; heartbeatAgeMs: number | null };
};

export function directionStatus(
  assignment: Assignment,
  workers: WorkerReport[],
  now: Date,
): DirectionStatus {
  const live = liveWorkers(workers, assignment, now);
  const newest = Math.max(...live.map((w) => w.heartbeatAt.getTime()));
  return {
    direction: assignment.direction,
    active: assignment.active,
    generation: assignment.generation,
    changedAt: assignment.changedAt?.toISOString() ?? null,
    workers: {
      live: live.length,
      running: live.filter((w) => w.state === 'running').length,
      standby: live.filter((w) => w.state === 'standby').length,
      heartbeatAgeMs: live.length ? Math.max(0, now.getTime() - newest) : null,
    },
  };
}
