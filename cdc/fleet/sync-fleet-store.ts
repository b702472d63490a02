/**
 * The sync fleet's state in the kit DB (`sync_assignments`, `sync_workers`,
 * migrations/kit/0301_sync_fleet.ts): the control plane sets assignments, the workers renew their
 * reports. Times come from the kit DB's clock (`now()`), so leases mean the same to everyone.
 */
import type { Knex } from 'knex';
import type { Direction } from '../../plan/mapping.ts';
import {
  defaultAssignment,
  LEASE_MS,
  type Assignment,
  type WorkerReport,
  type WorkerState,
} from './sync-fleet.ts';

type AssignmentRow = {
  service: string;
  direction: Direction;
  active: boolean;
  generation: string;
  changed_at: Date;
  changed_by: string;
  why: string | null;
};

type WorkerRow = {
  worker_id: string;
  service: string;
  direction: Direction;
  host: string;
  pid: number;
  version: string;
  state: WorkerState;
  generation: string;
  applied: string;
  lag: string | null;
  heartbeat_at: Date;
  lease_expires_at: Date;
};

const assignmentFromRow = (r: AssignmentRow): Assignment => ({
  service: r.service,
  direction: r.direction,
  active: r.active,
  generation: Number(r.generation),
  changedAt: r.changed_at,
  changedBy: r.changed_by,
  why: r.why,
});

const workerFromRow = (r: WorkerRow): WorkerReport => ({
  workerId: r.worker_id,
  service: r.service,
  direction: r.direction,
  host: r.host,
  pid: r.pid,
  version: r.version,
  state: r.state,
  generation: Number(r.generation),
  applied: Number(r.applied),
  lag: r.lag === null ? null : Number(r.lag),
  heartbeatAt: r.heartbeat_at,
  leaseExpiresAt: r.lease_expires_at,
});

/** What a worker reports on each heartbeat. */
export type Heartbeat = Omit<WorkerReport, 'heartbeatAt' | 'leaseExpiresAt'>;

export type SyncFleetStore = ReturnType<typeof syncFleetStore>;

export function syncFleetStore(kitDb: Knex, leaseMs = LEASE_MS) {
  const readAssignment = async (service: string, direction: Direction): Promise<Assignment> => {
    const row = await kitDb<AssignmentRow>('sync_assignments')
      .where({ service, direction })
      .first();
    return row ? assignmentFromRow(row) : defaultAssignment(service, direction);
  };

  return {
    readAssignment,

    /** Both directions of a service, the defaults where no row exists. */
    async readAssignments(service: string): Promise<Assignment[]> {
      return Promise.all([readAssignment(service, 'forward'), readAssignment(service, 'reverse')]);
    },

    /** Switches a direction on or off; always a new generation, so the fleet acknowledges afresh. */
    async setAssignment(change: {
      service: string;
      direction: Direction;
      active: boolean;
      changedBy: string;
      why?: string;
    }): Promise<Assignment> {
      const { rows } = await kitDb.raw<{ rows: AssignmentRow[] }>(
        `INSERT INTO sync_assignments (service, direction, active, generation, changed_by, why)
         VALUES (?, ?, ?, 1, ?, ?)
         ON CONFLICT (service, direction) DO UPDATE
           SET active = excluded.active, generation = sync_assignments.generation + 1,
               changed_at = now(), changed_by = excluded.changed_by, why = excluded.why
         RETURNING *`,
        [change.service, change.direction, change.active, change.changedBy, change.why ?? null],
      );
      return assignmentFromRow(rows[0]);
    },

    /** A worker's report, its lease renewed from now on the kit DB's clock. */
    async renew(beat: Heartbeat): Promise<void> {
      await kitDb.raw(
        `INSERT INTO sync_workers (worker_id, service, direction, host, pid, version, state,
                                   generation, applied, lag, heartbeat_at, lease_expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), now() + ? * interval '1 millisecond')
         ON CONFLICT (worker_id) DO UPDATE
           SET state = excluded.state, generation = excluded.generation,
               applied = excluded.applied, lag = excluded.lag,
               heartbeat_at = excluded.heartbeat_at, lease_expires_at = excluded.lease_expires_at`,
        [
          beat.workerId,
          beat.service,
          beat.direction,
          beat.host,
          beat.pid,
          beat.version,
          beat.state,
          beat.generation,
          beat.applied,
          beat.lag,
          leaseMs,
        ],
      );
    },

    async deregister(workerId: string): Promise<void> {
      await kitDb('sync_workers').where({ worker_id: workerId }).delete();
    },

    /** Reports of workers whose lease lapsed an hour ago or more: crashed, never coming back. */
    async pruneLapsed(): Promise<void> {
      await kitDb.raw(
        `DELETE FROM sync_workers WHERE lease_expires_at < now() - interval '1 hour'`,
      );
    },

    /** Every report of a service (all if none is named), with the kit DB's time to judge them by. */
    async workers(service?: string): Promise<{ now: Date; workers: WorkerReport[] }> {
      const { rows } = await kitDb.raw<{ rows: { now: Date }[] }>('SELECT now() AS now');
      const query = kitDb<WorkerRow>('sync_workers').orderBy('worker_id');
      const found = await (service ? query.where({ service }) : query);
      return { now: rows[0].now, workers: found.map(workerFromRow) };
    },
  };
}
