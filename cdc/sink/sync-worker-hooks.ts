/**
 * What `ficus sync` gives its sink worker beyond the addresses (sink-config.ts `sinkOptions`): the
 * kit DB as the record of the column changes the worker sees and of the tables they pause, the
 * plan file read again for a changed mapping, the back-fill after a schema change, and the
 * initial copy's settings and progress record. One function, so that the e2e suites run the worker
 * as the command wires it (test-support/sink-e2e-harness.ts `syncWorkerOptions`) and cannot drift
 * from it.
 */
import type pg from 'pg';
import type { FicusConfig } from '../../lib/config/index.ts';
import { loadPlan } from '../../plan/load-plan.ts';
import type { Direction } from '../../plan/mapping.ts';
import { recordCopyProgress } from '../copy/copy-progress-store.ts';
import type { WaitForConsistentPoint } from '../verify/consistent-point.ts';
import { repairOneTable } from './schema-backfill.ts';
import { openPauses, recordSchemaChange } from './schema-change-store.ts';
import type { SinkWorkerOptions } from './sink-worker.ts';

export type SyncWorkerHooks = Required<
  Pick<
    SinkWorkerOptions,
    'recordSchemaChange' | 'openPauses' | 'reloadPlan' | 'repairTable' | 'copy'
  >
>;

/** The back-fill's connections: both databases, and the wait for this direction's consistent point. */
export type BackfillConnections = {
  legacy: pg.Pool;
  serviceDb: pg.Pool;
  /** the consistent point of the worker's direction (cdc/verify/consistent-point.ts) */
  consistency: WaitForConsistentPoint;
  /** rows per hashed chunk, as `ficus verify --repair --chunk-size` (default 10000) */
  chunkSize?: number;
};

/** Who a worker's back-fill is recorded as, in the kit DB's repairs (status, report). */
export const backfillActor = (service: string, direction: Direction) =>
  `ficus sync ${service} --direction ${direction} (back-fill after a schema change)`;

export function syncWorkerHooks(input: {
  service: string;
  direction: Direction;
  config: Pick<FicusConfig, 'planFile' | 'copy'>;
  /** the kit DB: schema changes, pauses, repairs and copy progress are recorded there */
  kit: pg.Pool;
  backfill: BackfillConnections;
}): SyncWorkerHooks {
  const { service, direction, config, kit } = input;
  const { legacy, serviceDb, consistency, chunkSize } = input.backfill;
  // a mapping changed in the plan file is picked up without a restart (mapping-reload.ts)
  const reloadPlan = () => loadPlan(config.planFile);
  return {
    // column changes the worker sees go to the kit DB, once each (status, report, gates)
    recordSchemaChange: (seen) => recordSchemaChange(kit, service, direction, seen),
    openPauses: () => openPauses(kit, service, direction),
    reloadPlan,
    // and the rows synced before it are back-filled by the worker (schema-backfill.ts): the repair
    // of one table as `ficus verify <service> --repair` runs it, recorded with the worker as actor
    repairTable: repairOneTable({
      service,
      direction,
      legacy,
      serviceDb,
      kit,
      chunkSize,
      loadPlan: reloadPlan,
      consistency,
      actor: backfillActor(service, direction),
    }),
    copy: {
      settings: config.copy,
      recordProgress: (progress) => recordCopyProgress(kit, progress),
    },
  };
}
