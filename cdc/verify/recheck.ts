/**
 * Second look at the differences of a table, after the sink has caught up again: rows changing
 * while a verify runs are compared at slightly different moments on the two sides, so a
 * difference only counts if it is still there when both sides are compared at a later consistent
 * point. Only the differing keys are read again.
 */
import type pg from 'pg';
import type { CompiledTable } from '../../plan/mapping.ts';
import { compareRows, type RowHash } from './compare-rows.ts';
import type { TableResult } from './verify-table.ts';
import { renderRowsByKeys, verifySides, type VerifySides } from './verify-sql.ts';

type Db = Pick<pg.Pool, 'query'>;

export const differenceCount = (r: TableResult) =>
  r.mismatched + r.missingInTarget + r.extraInTarget;

/** Whether every differing key was kept, so a re-check can replace the differences. */
export const canRecheck = (r: TableResult) =>
  differenceCount(r) > 0 && r.differing.length === differenceCount(r);

/** Both sides' row fingerprints of the given keys (text of each key column). */
export async function rowsOfKeys(
  sides: VerifySides,
  keys: string[][],
  dbs: { legacy: Db; service: Db },
): Promise<[RowHash[], RowHash[]]> {
  const param = JSON.stringify(keys);
  const [legacyRows, serviceRows] = await Promise.all([
    dbs.legacy.query<RowHash>(renderRowsByKeys(sides.legacy), [param]),
    dbs.service.query<RowHash>(renderRowsByKeys(sides.service), [param]),
  ]);
  return [legacyRows.rows, serviceRows.rows];
}

export async function recheckTable(
  compiled: CompiledTable,
  result: TableResult,
  dbs: { legacy: Db; service: Db },
): Promise<TableResult> {
  if (!canRecheck(result)) return result;
  const sides = verifySides(compiled);
  const again = compareRows(...(await rowsOfKeys(sides, result.differing, dbs)), sides.keyNames);
  const legacyRowsBefore = result.mismatched + result.missingInTarget;
  return {
    source: result.source,
    target: result.target,
    rows: result.rows - legacyRowsBefore + again.rows,
    matching: result.matching + again.matching,
    mismatched: again.mismatched,
    missingInTarget: again.missingInTarget,
    extraInTarget: again.extraInTarget,
    samples: again.samples,
    differing: again.differing,
    differingRanges: result.differingRanges,
  };
}
