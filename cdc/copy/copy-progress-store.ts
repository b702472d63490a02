/**
 * The kit DB's record of the initial copies (migrations/kit/0306): written by the sync workers as
 * a copy goes, read by `ficus status`.
 */
import { tableExists } from '../../lib/table-exists.ts';
import type { SqlRunner } from '../sink/sync-tables.ts';
import type { CopyProgress } from './copy-progress.ts';

export async function recordCopyProgress(kit: SqlRunner, progress: CopyProgress[]): Promise<void> {
  for (const p of progress)
    await kit.query(
      `INSERT INTO initial_copies (service, source_table, state, rows_copied, estimated_rows, chunks,
         chunks_copied, rows_per_second, eta_seconds, started_at, finished_at, last_error, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
       ON CONFLICT (service, source_table) DO UPDATE SET state = EXCLUDED.state,
         rows_copied = EXCLUDED.rows_copied, estimated_rows = EXCLUDED.estimated_rows,
         chunks = EXCLUDED.chunks, chunks_copied = EXCLUDED.chunks_copied,
         rows_per_second = EXCLUDED.rows_per_second, eta_seconds = EXCLUDED.eta_seconds,
         started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at,
         last_error = EXCLUDED.last_error, updated_at = now()`,
      [
        p.service,
        p.table,
        p.state,
        p.rowsCopied,
        p.estimatedRows,
        p.chunks,
        p.chunksCopied,
        p.rowsPerSecond,
        p.etaSeconds,
        p.startedAt,
        p.finishedAt,
        p.lastError,
      ],
    );
}

type RawProgress = {
  service: string;
  source_table: string;
  state: CopyProgress['state'];
  rows_copied: string;
  estimated_rows: string | null;
  chunks: number;
  chunks_copied: number;
  rows_per_second: number | null;
  eta_seconds: number | null;
  started_at: Date | null;
  finished_at: Date | null;
  last_error: string | null;
};

/** Every recorded copy, by service and table. */
export async function readCopyProgress(kit: SqlRunner): Promise<CopyProgress[]> {
  if (!(await tableExists(kit, 'initial_copies'))) return []; // a kit DB not migrated yet
  const { rows } = await kit.query('SELECT * FROM initial_copies ORDER BY service, source_table');
  return (rows as RawProgress[]).map((r) => ({
    service: r.service,
    table: r.source_table,
    state: r.state,
    rowsCopied: Number(r.rows_copied),
    estimatedRows: r.estimated_rows === null ? null : Number(r.estimated_rows),
    chunks: r.chunks,
    chunksCopied: r.chunks_copied,
    rowsPerSecond: r.rows_per_second,
    etaSeconds: r.eta_seconds,
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    lastError: r.last_error,
  }));
}
