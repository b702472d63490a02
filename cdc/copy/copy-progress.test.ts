import { copyProgress, formatCopyProgress } from './copy-progress.ts';
import type { CopyTableRow } from './copy-store.ts';

const row = (over: Partial<CopyTableRow>): CopyTableRow => ({
  source: { schema: 'public', table: 'order_items' },
  state: 'copying',
  slot: 'ficus_orders_forward',
  requestedAt: new Date('2026-12-06T10:00:00Z'),
  startedAt: new Date('2026-12-06T10:00:00Z'),
  finishedAt: null,
  estimatedRows: 5_000_000,
  rowsCopied: 1_000_000,
  finishLsn: null,
  chunks: 50,
  chunksCopied: 10,
  ...over,
});

describe('copy progress', () => {
  it('gives the pace since the start and the time left at it', () => {
    const p = copyProgress('orders', row({}), new Date('2026-12-06T10:00:10Z'));
    expect(p.rowsPerSecond).toBe(100_000);
    expect(p.etaSeconds).toBe(40);
    expect(formatCopyProgress(p)).toBe(
      'public.order_items: copying 1,000,000 of ~5,000,000 rows, 10/50 chunks, 100,000 rows/s, ~40 s left',
    );
  });

  it('knows no pace before the first chunk, and none left when done', () => {
    const early = copyProgress('orders', row({ rowsCopied: 0 }), new Date('2026-12-06T10:00:10Z'));
    expect(early.rowsPerSecond).toBeNull();
    expect(early.etaSeconds).toBeNull();
    const done = copyProgress(
      'orders',
      row({ state: 'done', rowsCopied: 5_000_000, finishedAt: new Date('2026-12-06T10:00:50Z') }),
      new Date('2026-12-06T11:00:00Z'),
    );
    expect(done.rowsPerSecond).toBe(100_000);
    expect(done.etaSeconds).toBe(0);
    expect(formatCopyProgress(done)).toBe(
      'public.order_items: initial copy done, 5,000,000 rows in 50 chunk(s), 100,000 rows/s',
    );
  });
});
