/**
 * Forward sync lag, measured, not guessed: how long a commit made in the legacy DB *now* takes
 * to be applied in the service's DB. The probe is the consistent point of `ficus verify`
 * (cdc/verify/consistent-point.ts): note the legacy WAL position L, write the connector's
 * heartbeat row, wait until the connector's committed offset passes L and the sink's applied
 * positions (`ficus_sync_offsets`) reach the topics' end offsets. The time that takes is the lag.
 *
 * Why not compare `pg_current_wal_lsn()` with the sink's `source_lsn`: the sink records the LSN
 * of the last *data* change it applied, and the WAL moves on with every write to any table
 * (other services' tables, Debezium's own heartbeat row), so an idle but fully caught-up sink
 * would look behind forever. The probe asks the question that matters instead: is everything
 * committed before L applied, and how long did it take to get there?
 *
 * The figure is an upper bound: it includes Connect's offset commit interval (1 s on the stack)
 * and the 300 ms polling of the probe. When the sink is further behind than `timeoutMs`, the
 * lag is reported as the time waited (at least the timeout) and the note says so.
 */
import { errorMessage } from '../lib/errors.ts';
import { SinkBehindError, type WaitForConsistentPoint } from '../cdc/verify/consistent-point.ts';

export type SyncLag = { lagMs: number | null; note?: string };
export type MeasureSyncLag = () => Promise<SyncLag>;

/**
 * @param consistency a consistent-point waiter for the service's forward pipeline, built with a
 *   timeout (`sinkConsistency({ ..., timeoutMs })`)
 */
export function syncLagProbe(
  consistency: WaitForConsistentPoint,
  clock: () => number = Date.now,
): MeasureSyncLag {
  return async () => {
    const started = clock();
    try {
      const point = await consistency();
      if (point.lsn === null)
        return {
          lagMs: null,
          note: `sync lag unknown (${(point.note ?? 'no forward sync').split(':')[0]})`,
        };
      return { lagMs: clock() - started };
    } catch (error) {
      if (error instanceof SinkBehindError)
        return { lagMs: clock() - started, note: `still behind: ${error.message}` };
      return { lagMs: null, note: `sync lag unknown: ${errorMessage(error)}` };
    }
  };
}
