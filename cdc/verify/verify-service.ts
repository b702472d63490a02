/**
 * `ficus verify <service>`: parity of every table the service owns or replicates against the
 * legacy rows it comes from, through the compiled mapping (the same SQL the sink writes with).
 * Result shape (stable, DESIGN.md):
 *   { service, clean, tables: [{ source, target, rows, matching, mismatched, missingInTarget, extraInTarget, samples }] }
 * `samples` holds up to 5 keys (by target key column names) per kind of difference.
 */
import pg from 'pg';
import type { Progress } from '../../lib/progress.ts';
import { compileServiceTables } from '../../plan/compile-service.ts';
import { describeExistingTable } from '../../plan/describe-table.ts';
import { describeRangeFinding, mappingRangeFindings } from '../../plan/mapping-ranges.ts';
import type { Plan } from '../../plan/plan-types.ts';
import type { CompiledTable } from '../../plan/mapping.ts';
import type { SampleKeys } from './compare-rows.ts';
import type { WaitForConsistentPoint } from './consistent-point.ts';
import { differenceCount, recheckTable } from './recheck.ts';
import {
  ensureVerifyTables,
  findUnfinishedRun,
  finishRun,
  runTableStore,
  startRun,
} from './verify-store.ts';
import { verifyTable, type TableResult } from './verify-table.ts';

export type TableParity = {
  source: string;
  target: string;
  rows: number;
  matching: number;
  mismatched: number;
  missingInTarget: number;
  extraInTarget: number;
  samples: SampleKeys;
};

export type VerifyReport = { service: string; clean: boolean; tables: TableParity[] };

/** A pool whose sessions print timestamps the same way on both sides (see verify-sql.ts). */
export function openVerifyPool(connectionString: string, max = 3): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    options: '-c TimeZone=UTC -c DateStyle=ISO -c extra_float_digits=1',
  });
  // an idle connection dropped by the server (restart, DROP DATABASE ... FORCE) must not crash the
  // process; the next query opens a new one, and a failing query still rejects
  pool.on('error', () => undefined);
  return pool;
}

export type VerifyServiceOptions = {
  plan: Plan;
  service: string;
  legacy: pg.Pool;
  serviceDb: pg.Pool;
  /** the kit DB, for checkpoints and results; without it the run is neither resumable nor recorded */
  kit?: pg.Pool;
  chunkSize?: number;
  concurrency?: number;
  resume?: boolean;
  consistency?: WaitForConsistentPoint;
  progress?: Progress;
  /**
   * Only these target tables (the sink's automatic back-fill repairs one, cdc/sink/schema-backfill.ts).
   * Such a run is not the service's parity: it is not recorded as a verify run (the gates read
   * the last one as the whole service's), nor resumable.
   */
  tables?: string[];
};

const publicShape = (r: TableResult): TableParity => ({
  source: r.source,
  target: r.target,
  rows: r.rows,
  matching: r.matching,
  mismatched: r.mismatched,
  missingInTarget: r.missingInTarget,
  extraInTarget: r.extraInTarget,
  samples: r.samples,
});

/** One table as verify compared it: its compiled mapping and the full result (ranges, keys). */
export type VerifiedTable = { compiled: CompiledTable; result: TableResult };

export async function verifyService(options: VerifyServiceOptions): Promise<{
  report: VerifyReport;
  runId?: number;
  notes: string[];
  /** in plan order, as `report.tables`: what `verify --repair` works from */
  verified: VerifiedTable[];
}> {
  const { plan, service, legacy, serviceDb, progress } = options;
  const kit = options.tables ? undefined : options.kit;
  const chunkSize = options.chunkSize ?? 10_000;
  const notes: string[] = [];
  const where = `${plan.file}: services.${service}`;
  const all = await compileServiceTables(
    plan,
    service,
    (schema, table) => describeExistingTable(legacy, schema, table, `${where} (legacy)`),
    (schema, table) => describeExistingTable(serviceDb, schema, table, `${where} (service DB)`),
  );
  const only = options.tables && new Set(options.tables);
  const tables = only ? all.filter((t) => only.has(t.target.table)) : all;
  // a target that cannot hold a legacy value explains rows missing in it (`ficus check` lists these too)
  for (const table of tables)
    for (const finding of mappingRangeFindings(table, table.targetTypes).findings)
      notes.push(`mapping narrows: ${describeRangeFinding(finding)}`);
  let runId: number | undefined;
  let resumedChunkSize: number | undefined;
  if (kit) {
    await ensureVerifyTables(kit);
    const unfinished = options.resume ? await findUnfinishedRun(kit, service) : undefined;
    if (unfinished) {
      runId = unfinished.id;
      resumedChunkSize = unfinished.chunkSize;
      progress?.step(`resuming verify run ${runId}`);
    }
  } else if (options.resume) notes.push('no kit database: --resume has nothing to resume from');
  // a re-check only means something when the first comparison ran at a sink position
  let consistent = false;
  if (runId === undefined) {
    const point = options.consistency
      ? await options.consistency()
      : { lsn: null, note: 'no consistency wait asked: compared as of now' };
    if (point.note) notes.push(point.note);
    consistent = point.lsn !== null;
    if (point.lsn) progress?.done(`sink caught up with legacy WAL ${point.lsn}`);
    if (kit) runId = await startRun(kit, service, chunkSize, point.lsn);
  }

  const results: TableResult[] = [];
  for (const table of tables) {
    progress?.step(`${table.source.table} -> ${table.target.table}: comparing`);
    const result = await verifyTable(table, {
      legacy,
      service: serviceDb,
      chunkSize: resumedChunkSize ?? chunkSize,
      concurrency: options.concurrency,
      store: kit && runId !== undefined ? runTableStore(kit, runId, table.target.table) : undefined,
      progress,
    });
    results.push(result);
    const diffs = differenceCount(result);
    progress?.[diffs ? 'fail' : 'done'](
      `${table.source.table} -> ${table.target.table}: ${result.rows} rows, ${diffs} differences`,
    );
  }

  if (options.consistency && consistent && results.some((r) => differenceCount(r) > 0)) {
    progress?.step('differences found: re-checking them once the sink has caught up again');
    await options.consistency();
    for (let i = 0; i < results.length; i++) {
      if (differenceCount(results[i]) > 0)
        results[i] = await recheckTable(tables[i], results[i], { legacy, service: serviceDb });
    }
  }

  const report: VerifyReport = {
    service,
    clean: results.every((r) => differenceCount(r) === 0),
    tables: results.map(publicShape),
  };
  if (kit && runId !== undefined) await finishRun(kit, runId, report.clean, report);
  return {
    report,
    runId,
    notes,
    verified: tables.map((compiled, i) => ({ compiled, result: results[i] })),
  };
}
