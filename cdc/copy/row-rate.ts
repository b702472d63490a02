/**
 * A bound on the rows a copy reads from the legacy database per second, shared by every chunk a
 * worker copies at once, so that a copy cannot take more of the monolith's database than the
 * operator allows (`copy.rowsPerSecond`). Rows are counted as the newlines of COPY's text format
 * (a newline inside a value is escaped as `\n`, so each one ends a row). Data passes on at the
 * allowed pace: a piece of data that goes past the allowance waits until the allowance has caught
 * up, which pauses the COPY stream behind it (back-pressure), not the database's other work.
 *
 *   const rate = createRowRate(50_000);
 *   await pipeline(legacyCopyOut, rate.throttle(), serviceCopyIn);
 */
import { Transform } from 'node:stream';
import { sleep } from '../../lib/wait.ts';

export type RowRate = { throttle(): Transform };

/** Newlines in `data`: rows of COPY's text format. */
export function countRows(data: Buffer): number {
  let rows = 0;
  for (let at = data.indexOf(10); at !== -1; at = data.indexOf(10, at + 1)) rows++;
  return rows;
}

/**
 * How long to wait before passing on `rows` more rows, for a pace of `perSecond` counted from
 * `window.since`; updates `window`. A window that fell far behind (the copy was idle) starts over,
 * so that idle time is not spent later as a burst.
 */
export function delayFor(
  window: { since: number; rows: number },
  rows: number,
  perSecond: number,
  now: number,
): number {
  const due = window.since + (window.rows * 1000) / perSecond;
  if (due < now - 1000) {
    window.since = now;
    window.rows = 0;
  }
  window.rows += rows;
  return Math.max(0, window.since + (window.rows * 1000) / perSecond - now);
}

export function createRowRate(perSecond: number | undefined): RowRate {
  const window = { since: Date.now(), rows: 0 };
  return {
    throttle: () =>
      new Transform({
        transform(data: Buffer, _encoding, done) {
          if (!perSecond) return done(null, data);
          const wait = delayFor(window, countRows(data), perSecond, Date.now());
          if (wait === 0) return done(null, data);
          void sleep(wait).then(() => done(null, data));
        },
      }),
  };
}
