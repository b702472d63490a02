/**
 * Parity of one mapped table: chunk boundaries from the legacy side, then per chunk a count and
 * hash computed inside each database (both at once); only chunks whose hashes differ are fetched
 * row by row (fingerprints only) and compared. Finished chunks go to the store, so an interrupted
 * run resumes where it stopped.
 */
import type pg from 'pg';
import type { Progress } from '../../lib/progress.ts';
import type { CompiledTable } from '../../plan/mapping.ts';
import { addInto, compareRows, emptyCounts, emptySamples, type RowHash } from './compare-rows.ts';
import type { ChunkResult, ChunkStore } from './verify-store.ts';
import {
  renderBoundaries,
  renderChunkHash,
  renderChunkRows,
  verifySides,
  type KeyRange,
  type Side,
  type VerifySides,
} from './verify-sql.ts';

type Db = Pick<pg.Pool, 'query'>;

export type TableResult = ChunkResult & {
  source: string;
  target: string;
  /** the key ranges of the chunks that differed: what `verify --repair` compares again, row by row */
  differingRanges: KeyRange[];
};

export type VerifyTableOptions = {
  legacy: Db;
  service: Db;
  chunkSize?: number;
  /** chunks in flight at once (each one queries both databases) */
  concurrency?: number;
  store?: ChunkStore;
  progress?: Progress;
  /** differing keys kept for a re-check; beyond this a re-check is skipped */
  maxDiffering?: number;
};

/** Both sides' row fingerprints of one chunk, fetched at once: what a differing chunk is compared on. */
export function fetchChunkRows(
  sides: VerifySides,
  range: KeyRange,
  dbs: { legacy: Db; service: Db },
): Promise<[RowHash[], RowHash[]]> {
  const rowsOf = async (db: Db, side: Side) => {
    const q = renderChunkRows(side, range);
    return (await db.query<RowHash>(q.sql, q.params)).rows;
  };
  return Promise.all([rowsOf(dbs.legacy, sides.legacy), rowsOf(dbs.service, sides.service)]);
}

export async function verifyTable(
  compiled: CompiledTable,
  options: VerifyTableOptions,
): Promise<TableResult> {
  const sides = verifySides(compiled);
  const chunkSize = options.chunkSize ?? 10_000;
  const maxDiffering = options.maxDiffering ?? 10_000;
  const label = `${compiled.source.table} -> ${compiled.target.table}`;
  let boundaries = await options.store?.loadBoundaries();
  if (!boundaries) {
    const { rows } = await options.legacy.query({
      text: renderBoundaries(sides.legacy, chunkSize),
      rowMode: 'array',
    });
    boundaries = rows as string[][];
    await options.store?.saveBoundaries(boundaries);
  }
  const ranges: KeyRange[] = [];
  for (let i = 0; i <= boundaries.length; i++)
    ranges.push({ lower: boundaries[i - 1] ?? null, upper: boundaries[i] ?? null });
  const done = (await options.store?.loadChunks()) ?? new Map<number, ChunkResult>();
  if (done.size)
    options.progress?.step(
      `${label}: resuming, ${done.size}/${ranges.length} chunks already compared`,
    );

  async function compareChunk(range: KeyRange): Promise<ChunkResult> {
    const [l, s] = await Promise.all(
      [[options.legacy, sides.legacy] as const, [options.service, sides.service] as const].map(
        async ([db, side]) => {
          const q = renderChunkHash(side, range);
          return (await db.query<{ n: string; hash: string | null }>(q.sql, q.params)).rows[0];
        },
      ),
    );
    if (l.n === s.n && l.hash === s.hash)
      return {
        ...emptyCounts(),
        rows: Number(l.n),
        matching: Number(l.n),
        samples: emptySamples(),
        differing: [],
      };
    const [legacyRows, serviceRows] = await fetchChunkRows(sides, range, options);
    return compareRows(legacyRows, serviceRows, sides.keyNames);
  }

  let next = 0;
  let finished = done.size;
  let lastReport = Date.now();
  const worker = async () => {
    while (next < ranges.length) {
      const chunkNo = next++;
      if (done.has(chunkNo)) continue;
      const result = await compareChunk(ranges[chunkNo]);
      await options.store?.saveChunk(chunkNo, result);
      done.set(chunkNo, result);
      finished++;
      if (Date.now() - lastReport > 2000 || finished === ranges.length) {
        lastReport = Date.now();
        options.progress?.step(`${label}: ${finished}/${ranges.length} chunks`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 2) }, worker));

  const total: TableResult = {
    source: compiled.source.table,
    target: compiled.target.table,
    ...emptyCounts(),
    samples: emptySamples(),
    differing: [],
    differingRanges: [],
  };
  for (let i = 0; i < ranges.length; i++) {
    const chunk = done.get(i)!;
    addInto(total, chunk);
    if (chunk.rows !== chunk.matching || chunk.extraInTarget) total.differingRanges.push(ranges[i]);
    if (total.differing.length + chunk.differing.length <= maxDiffering)
      total.differing.push(...chunk.differing);
  }
  return total;
}
