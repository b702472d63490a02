/**
 * `ficus verify <service> --repair [--dry-run]`: verify, then bring the differing keys back to
 * their source through the mapping, then verify the repaired chunks again.
 *
 * 1. verify as `ficus verify` does (verify-service.ts, at a sink position when asked);
 * 2. compare every chunk that differed row by row again, keeping every key (verify keeps counts
 *    and a few samples only), and plan the repair per table (repair-plan.ts);
 * 3. `--dry-run` stops here and reports the plan; nothing is written or recorded;
 * 4. apply it, a batch of keys per transaction under the sink's lock (repair-apply.ts says why a
 *    key written live meanwhile still ends at its latest value);
 * 5. wait for the sinks to catch up, compare the repaired chunks again, and look again (up to
 *    three times, each after another catch-up) at keys that still differ: rows written while the
 *    comparison runs are compared at slightly different moments on the two sides. A key still
 *    differing at the last look counts only if neither side changed since the look before it (the
 *    sink had applied everything written before that read): a hot row written again between looks
 *    is in flight, carried by the sync like any other change, not a repair that did not hold;
 * 6. record it in the kit DB (repair-store.ts).
 */
import { findService } from '../../plan/load-plan.ts';
import type { CompiledTable, Direction } from '../../plan/mapping.ts';
import {
  classifyRows,
  DIFFERENCE_KINDS,
  rowStates,
  settledDifferences,
  type DifferenceKind,
  type RowStates,
} from './compare-rows.ts';
import type { WaitForConsistentPoint } from './consistent-point.ts';
import { differenceCount, rowsOfKeys } from './recheck.ts';
import { applyTableRepair, type AppliedRepair } from './repair-apply.ts';
import {
  planTableRepair,
  repairSize,
  tableDirection,
  type TableDiff,
  type TableRepair,
} from './repair-plan.ts';
import { recordRepair, type RepairedTable } from './repair-store.ts';
import { verifySides, type KeyRange } from './verify-sql.ts';
import { fetchChunkRows } from './verify-table.ts';
import { verifyService, type VerifyReport, type VerifyServiceOptions } from './verify-service.ts';

export type RepairServiceOptions = Omit<VerifyServiceOptions, 'resume'> & {
  /** the service's sync direction now: its owned tables flow this way, replicated ones forward */
  direction: Direction;
  dryRun?: boolean;
  /** who runs it, for the record */
  actor: string;
  /** waits for the reverse sink to catch up (tables repaired into legacy), as `consistency` forward */
  reverseConsistency?: WaitForConsistentPoint;
  batchSize?: number;
};

export type RepairReport = {
  service: string;
  direction: Direction;
  dryRun: boolean;
  /** what verify found first */
  before: VerifyReport;
  /** per table with differences: what was planned, and (not on a dry run) done and left */
  plan: TableRepair[];
  tables: RepairedTable[];
  /** whether every table is clean after the repair; null on a dry run */
  clean: boolean | null;
  repairId?: number;
  notes: string[];
};

type Dbs = { legacy: RepairServiceOptions['legacy']; service: RepairServiceOptions['serviceDb'] };

const emptyKeys = (): Record<DifferenceKind, string[][]> => ({
  mismatched: [],
  missingInTarget: [],
  extraInTarget: [],
});

/** Every differing key of the given chunks, by kind, compared row by row now. */
async function rediffChunks(
  compiled: CompiledTable,
  ranges: KeyRange[],
  dbs: Dbs,
): Promise<TableDiff> {
  const sides = verifySides(compiled);
  const keys = emptyKeys();
  for (const range of ranges) {
    const found = classifyRows(...(await fetchChunkRows(sides, range, dbs))).keys;
    for (const kind of DIFFERENCE_KINDS) keys[kind].push(...found[kind]);
  }
  return {
    source: compiled.source.table,
    target: compiled.target.table,
    keyNames: sides.keyNames,
    keys,
  };
}

const allKeys = (diff: TableDiff) => DIFFERENCE_KINDS.flatMap((k) => diff.keys[k]);

/**
 * Keys of the repaired chunks that still differ after up to `looks` catch-ups and re-reads: those
 * that stood still across the last catch-up (`differing`, the repair did not hold) apart from those
 * written again meanwhile (`moving`: hot rows under live traffic, which the sync carries).
 */
async function remainingAfter(
  compiled: CompiledTable,
  ranges: KeyRange[],
  dbs: Dbs,
  waitFor: WaitForConsistentPoint | undefined,
  looks = 3,
): Promise<{ differing: string[][]; moving: string[][] }> {
  let left = {
    differing: allKeys(await rediffChunks(compiled, ranges, dbs)),
    moving: [] as string[][],
  };
  let previous: RowStates | undefined;
  const keys = () => [...left.differing, ...left.moving];
  for (let look = 0; look < looks && keys().length && waitFor; look++) {
    await waitFor();
    const [legacy, service] = await rowsOfKeys(verifySides(compiled), keys(), dbs);
    const again = classifyRows(legacy, service).keys;
    const now = rowStates(legacy, service);
    left = settledDifferences(
      DIFFERENCE_KINDS.flatMap((k) => again[k]),
      previous,
      now,
    );
    previous = now;
  }
  return left;
}

type TableWork = { compiled: CompiledTable; ranges: KeyRange[]; repair: TableRepair };

export async function repairService(options: RepairServiceOptions): Promise<RepairReport> {
  const startedAt = new Date().toISOString();
  const { plan, service, progress } = options;
  const dbs: Dbs = { legacy: options.legacy, service: options.serviceDb };
  const owned = new Set(findService(plan, service).owns.map((t) => t.target));
  const { report: before, verified, notes } = await verifyService(options);

  const work: TableWork[] = [];
  for (const { compiled, result } of verified) {
    if (differenceCount(result) === 0) continue;
    progress?.step(
      `${compiled.target.table}: comparing ${result.differingRanges.length} differing chunk(s) row by row`,
    );
    const diff = await rediffChunks(compiled, result.differingRanges, dbs);
    const kind = owned.has(compiled.target.table) ? 'owns' : 'replicates';
    const repair = planTableRepair(diff, tableDirection(kind, options.direction));
    if (repairSize(repair)) work.push({ compiled, ranges: result.differingRanges, repair });
  }
  const planned = work.map((w) => w.repair);
  const base = { service, direction: options.direction, before, plan: planned, notes };
  if (options.dryRun) return { ...base, dryRun: true, tables: [], clean: null };

  const applied: AppliedRepair[] = [];
  for (const w of work) {
    progress?.step(
      `${w.repair.target}: repairing ${repairSize(w.repair)} key(s) ${w.repair.direction}`,
    );
    applied.push(
      await applyTableRepair(w.compiled, w.repair, {
        dbs,
        service,
        batchSize: options.batchSize,
        progress,
      }),
    );
  }

  const waitFor = (d: Direction) =>
    d === 'forward' ? options.consistency : (options.reverseConsistency ?? options.consistency);
  for (const d of new Set(work.map((w) => w.repair.direction))) {
    progress?.step(`re-verify: waiting for the ${d} sink to catch up`);
    await waitFor(d)?.();
  }
  const tables: RepairedTable[] = [];
  for (const [i, w] of work.entries()) {
    const { differing: remaining, moving } = await remainingAfter(
      w.compiled,
      w.ranges,
      dbs,
      waitFor(w.repair.direction),
    );
    tables.push({
      source: w.repair.source,
      target: w.repair.target,
      direction: w.repair.direction,
      planned: { copy: w.repair.copy.length, remove: w.repair.remove.length },
      ...applied[i],
      remaining: remaining.length,
    });
    progress?.[remaining.length ? 'fail' : 'done'](
      `${w.repair.target}: ${applied[i].copied} copied, ${applied[i].deleted} deleted, ${remaining.length} still differ` +
        (moving.length
          ? ` (${moving.length} more written again meanwhile: the sync carries them)`
          : ''),
    );
  }
  // a table verify found clean stays counted as clean; a repaired one by its re-verify
  const clean = tables.every((t) => t.remaining === 0);
  let repairId: number | undefined;
  if (options.kit)
    repairId = await recordRepair(options.kit, {
      service,
      actor: options.actor,
      direction: options.direction,
      startedAt,
      tables,
      cleanAfter: clean,
    });
  return { ...base, dryRun: false, tables, clean, repairId };
}
