/**
 * A copy's progress as people read it: rows copied of the estimate, chunks, rows per second since
 * the copy started and the time left at that pace. Computed from the copy's own record in the
 * service DB (copy-store.ts), so every worker of a fleet reports the same totals.
 */
import type { CopyState, CopyTableRow } from './copy-store.ts';

export type CopyProgress = {
  service: string;
  /** the legacy table, `schema.table` */
  table: string;
  state: CopyState;
  rowsCopied: number;
  estimatedRows: number | null;
  chunks: number;
  chunksCopied: number;
  rowsPerSecond: number | null;
  /** seconds left at the pace so far; null when not known (nothing copied yet) or done */
  etaSeconds: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  /** the last error a worker met copying it (it tries again) */
  lastError: string | null;
};

export function copyProgress(
  service: string,
  row: CopyTableRow,
  now: Date,
  lastError: string | null = null,
): CopyProgress {
  const end = row.finishedAt ?? now;
  const seconds = row.startedAt ? (end.getTime() - row.startedAt.getTime()) / 1000 : 0;
  const rate = seconds > 0 && row.rowsCopied > 0 ? row.rowsCopied / seconds : null;
  const left = row.estimatedRows === null ? null : Math.max(0, row.estimatedRows - row.rowsCopied);
  const eta = row.state === 'done' ? 0 : rate && left !== null ? left / rate : null;
  return {
    service,
    table: `${row.source.schema}.${row.source.table}`,
    state: row.state,
    rowsCopied: row.rowsCopied,
    estimatedRows: row.estimatedRows,
    chunks: row.chunks,
    chunksCopied: row.chunksCopied,
    rowsPerSecond: rate,
    etaSeconds: eta,
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    lastError,
  };
}

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** `public.order_items: copying 1,200,000 of ~5,000,000 rows, 12/50 chunks, 98,000 rows/s, ~39 s left` */
export function formatCopyProgress(p: CopyProgress): string {
  const of = p.estimatedRows === null ? '' : ` of ~${thousands(p.estimatedRows)}`;
  const rate = p.rowsPerSecond === null ? '' : `, ${thousands(p.rowsPerSecond)} rows/s`;
  const error = p.lastError ? ` (last error: ${p.lastError})` : '';
  if (p.state === 'requested') return `${p.table}: initial copy requested${error}`;
  if (p.state === 'done')
    return `${p.table}: initial copy done, ${thousands(p.rowsCopied)} rows in ${p.chunks} chunk(s)${rate}`;
  const eta = p.etaSeconds === null ? '' : `, ~${duration(p.etaSeconds)} left`;
  return `${p.table}: copying ${thousands(p.rowsCopied)}${of} rows, ${p.chunksCopied}/${p.chunks} chunks${rate}${eta}${error}`;
}
