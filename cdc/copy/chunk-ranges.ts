/**
 * The key ranges a table's copy is cut into. A table keyed by one integer column is cut into
 * ranges of that column, each about `chunkRows` rows by the table's size estimate, spread evenly
 * between its lowest and highest key; each range is read in its own short transaction and can be
 * copied by any worker in parallel. Any other key (text, uuid, several columns) is copied as one
 * chunk: the sink finds an event's chunk by comparing keys, and only integers compare the same in
 * JavaScript as in PostgreSQL whatever the collation.
 *
 * Ranges are half-open, [lower, upper), and the first and last are unbounded below and above, so
 * that every key, also one inserted after the ranges were cut, falls in exactly one.
 *
 *   cutRanges({ min: 1n, max: 1000n, estimatedRows: 1000, chunkRows: 400 })
 *   // [{ lower: null, upper: 334n }, { lower: 334n, upper: 667n }, { lower: 667n, upper: null }]
 */
export type KeyRange = { lower: bigint | null; upper: bigint | null };

export const WHOLE_TABLE: KeyRange = { lower: null, upper: null };

export function cutRanges(table: {
  min: bigint | null;
  max: bigint | null;
  estimatedRows: number;
  chunkRows: number;
}): KeyRange[] {
  const { min, max } = table;
  if (min === null || max === null || max <= min) return [WHOLE_TABLE];
  const span = max - min + 1n;
  const wanted = BigInt(Math.max(1, Math.ceil(table.estimatedRows / Math.max(1, table.chunkRows))));
  const count = wanted > span ? span : wanted;
  if (count <= 1n) return [WHOLE_TABLE];
  const ranges: KeyRange[] = [];
  let lower: bigint | null = null;
  for (let i = 1n; i < count; i++) {
    const upper = min + (span * i) / count;
    ranges.push({ lower, upper });
    lower = upper;
  }
  ranges.push({ lower, upper: null });
  return ranges;
}

/** The index of the range `key` falls in; `ranges` as cutRanges made them (ordered, contiguous). */
export function rangeOf(ranges: readonly KeyRange[], key: bigint): number {
  let low = 0;
  let high = ranges.length - 1;
  while (low < high) {
    const mid = (low + high) >> 1;
    const upper = ranges[mid].upper;
    if (upper !== null && key >= upper) low = mid + 1;
    else high = mid;
  }
  return low;
}
