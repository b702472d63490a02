/**
 * How one table is copied: whether it can be cut into key ranges (a single integer key, copied
 * to the target unchanged), and the ranges themselves, from the legacy table's key bounds and
 * size estimate.
 */
import type pg from 'pg';
import type { CompiledTable } from '../../plan/mapping.ts';
import { quoteIdent, quoteTable } from '../../lib/sql.ts';
import { cutRanges, WHOLE_TABLE, type KeyRange } from './chunk-ranges.ts';
import type { CopyShape } from './copy-chunk.ts';

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);

export function copyShape(compiled: CompiledTable): CopyShape {
  if (compiled.sourceKey.length !== 1) return { compiled };
  const [source, target] = [compiled.sourceKey[0], compiled.targetKey[0]];
  const type = compiled.sourceColumns.find((c) => c.name === source)?.type;
  const column = compiled.targetColumns.find((t) => t.name === target);
  // the range must mean the same keys on both sides: the key copied as it is
  const unchanged =
    column?.kind === 'column' && !column.conversion && column.sourceColumn === source;
  return type && INTEGER_TYPES.has(type) && unchanged
    ? { compiled, rangeKey: { source, target } }
    : { compiled };
}

/** The table's ranges of about `chunkRows` rows each, and its estimated size. */
export async function planRanges(
  legacy: Pick<pg.Pool, 'query'>,
  shape: CopyShape,
  chunkRows: number,
): Promise<{ ranges: KeyRange[]; estimatedRows: number }> {
  const { schema, table } = shape.compiled.source;
  const name = quoteTable(schema, table);
  const estimate = await legacy.query<{ n: string }>(
    `SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = $1::regclass`,
    [name],
  );
  let estimatedRows = Number(estimate.rows[0]?.n ?? 0);
  if (!shape.rangeKey) return { ranges: [WHOLE_TABLE], estimatedRows };
  const key = quoteIdent(shape.rangeKey.source);
  const { rows } = await legacy.query<{ min: string | null; max: string | null }>(
    `SELECT min(${key})::text AS min, max(${key})::text AS max FROM ${name}`,
  );
  const min = rows[0].min === null ? null : BigInt(rows[0].min);
  const max = rows[0].max === null ? null : BigInt(rows[0].max);
  // never analysed (reltuples 0 or -1): the key span stands in for the size
  if (estimatedRows === 0 && min !== null && max !== null) estimatedRows = Number(max - min + 1n);
  return { ranges: cutRanges({ min, max, estimatedRows, chunkRows }), estimatedRows };
}
