/**
 * The back-fill a worker starts by itself after a schema change: when it picks up a newly mapped
 * column (mapping-reload.ts), or resumes a paused table under a mapping that now fills a column
 * differently, the rows synced before do not hold what the new mapping would write. They are
 * brought there by the repair of that one table, the very path of `ficus verify <service>
 * --repair` (cdc/verify/repair-service.ts, unchanged): it waits for the consistent point (the
 * connector past the source's WAL position now, the sink past the topics' end offsets), compares
 * the table, re-copies the keys that differ, a batch per transaction under the sink's
 * offsets-table lock (so a row a live event changes meanwhile ends at its latest value), verifies
 * them again and records the repair in the kit DB (status, report).
 *
 * Who runs it: of a fleet (several workers in one consumer group), only the worker that holds
 * partition 0 of the table's topic. Every worker picks the column up on its own, and N repairs of
 * one table would each wait for a consistent point and compare it all; partition 0 exists for
 * every topic and belongs to exactly one member at a time, with no extra coordination. While the
 * worker holds no assignment (a rebalance), the request waits for the next look. A rebalance
 * between the look and the repair can make two workers repair: harmless, the second finds nothing.
 *
 * It runs beside the sync, one table at a time, never blocking the apply of events (the repair
 * waits for the sink to catch up, which the sync itself must do meanwhile). A failure is logged
 * with the manual command and the sync goes on.
 */
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Progress } from '../../lib/progress.ts';
import type { Direction } from '../../plan/mapping.ts';
import type { Plan } from '../../plan/plan-types.ts';
import type { WaitForConsistentPoint } from '../verify/consistent-point.ts';
import { repairService, type RepairReport } from '../verify/repair-service.ts';
import type { VerifyServiceOptions } from '../verify/verify-service.ts';

export type BackfillRequest = {
  topic: string;
  /** the target table in the service's plan entry (`products`) */
  target: string;
  /** why, for the log: `products.colour newly mapped` */
  reason: string;
};

/** Repairs one table of the service (the target named), as `verify --repair` would. */
export type RepairTable = (target: string, progress: Progress) => Promise<RepairReport>;

export type SchemaBackfillOptions = {
  service: string;
  repair: RepairTable;
  /** true/false: whether this worker holds partition 0 of the topic; undefined: no assignment now */
  ownsFirstPartition: (topic: string) => boolean | undefined;
  log: Logger;
};

export type BackfillStats = { done: number; failed: number; pending: number; running: boolean };

export type SchemaBackfill = {
  request(request: BackfillRequest): void;
  /** Looks at the waiting requests again (the worker calls it every reload interval). */
  tick(): void;
  stats(): BackfillStats;
  /**
   * Starts no more repairs (the worker's stop). One under way is not waited for: it waits for the
   * sink to catch up, which a stopping sink no longer does; it fails when its connections close,
   * each batch it wrote stays right (a transaction under the sink's lock), and the log names the
   * command to finish it.
   */
  stop(): void;
};

const logProgress = (log: Logger, target: string): Progress => ({
  step: (m) => log.info(`back-fill ${target}: ${m}`),
  done: (m) => log.info(`back-fill ${target}: ${m}`),
  fail: (m) => log.warn(`back-fill ${target}: ${m}`),
});

export function createSchemaBackfill(options: SchemaBackfillOptions): SchemaBackfill {
  const { log, service } = options;
  const manual = `ficus verify ${service} --repair`;
  // by target: a second request for a table already waiting is the same back-fill
  const pending = new Map<string, BackfillRequest>();
  let running: Promise<void> | null = null;
  let stopped = false;
  let done = 0;
  let failed = 0;

  const runOne = async (request: BackfillRequest) => {
    const { target } = request;
    log.info(`back-fill ${target}: starting (${request.reason}); the sync goes on meanwhile`);
    try {
      const report = await options.repair(target, logProgress(log, target));
      const table = report.tables.find((t) => t.target === target);
      const copied = table?.copied ?? 0;
      const deleted = table?.deleted ?? 0;
      const remaining = table?.remaining ?? 0;
      const id = report.repairId === undefined ? '' : ` (repair #${report.repairId} recorded)`;
      if (report.clean === false) {
        failed++;
        log.warn(
          `back-fill ${target}: ${copied} re-copied, ${deleted} deleted, ${remaining} still differ${id}; run '${manual}' to finish it`,
        );
      } else {
        done++;
        log.info(
          `back-fill ${target}: done, ${copied} re-copied, ${deleted} deleted${id}${table ? '' : ' (nothing differed)'}`,
        );
      }
    } catch (error) {
      failed++;
      if (stopped)
        return log.warn(
          `back-fill ${target} interrupted by the worker's stop; finish it with '${manual}'`,
          { error: errorMessage(error) },
        );
      log.warn(`back-fill ${target} failed; the sync goes on. Back-fill it by hand: '${manual}'`, {
        error: errorMessage(error),
      });
    }
  };

  /** The next request this worker should run now; drops those another worker owns. */
  const next = (): BackfillRequest | undefined => {
    for (const [target, request] of pending) {
      const owns = options.ownsFirstPartition(request.topic);
      if (owns === undefined) continue; // no assignment now: look again at the next tick
      pending.delete(target);
      if (owns) return request;
      log.info(
        `back-fill ${target}: the worker that holds partition 0 of ${request.topic} does it (${request.reason})`,
      );
    }
    return undefined;
  };

  const drain = () => {
    if (running || stopped) return;
    const request = next();
    if (!request) return;
    running = runOne(request).finally(() => {
      running = null;
      drain();
    });
  };

  return {
    request(request) {
      pending.set(request.target, request);
      drain();
    },
    tick: drain,
    stats: () => ({ done, failed, pending: pending.size, running: running !== null }),
    stop: () => {
      stopped = true;
    },
  };
}

/**
 * The repair of one table through `repairService`, as `ficus verify <service> --repair` runs it
 * (the plan read again, so the repair compiles the mapping the worker just picked up).
 */
export function repairOneTable(
  deps: Pick<VerifyServiceOptions, 'service' | 'legacy' | 'serviceDb' | 'kit' | 'chunkSize'> & {
    direction: Direction;
    loadPlan: () => Plan;
    /** waits for the consistent point of this worker's direction (consistent-point.ts) */
    consistency: WaitForConsistentPoint;
    actor: string;
  },
): RepairTable {
  return (target, progress) =>
    repairService({
      ...deps,
      plan: deps.loadPlan(),
      tables: [target],
      // the repair picks its wait by the table's direction: a worker's tables all flow its way
      consistency: deps.consistency,
      reverseConsistency: deps.consistency,
      progress,
    });
}
