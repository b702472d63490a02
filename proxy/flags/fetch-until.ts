/**
 * The proxy's bounded re-fetch after a pushed stage change: fetch the flags, and again with
 * backoff, until they show the stage the push expects, or the bound passes, or a newer push for
 * the same service takes over. Pure (the fetch, the clock and the sleep are given), so that the
 * loop is tested with a scripted fetcher.
 *
 * Why a loop: Unleash's client API answers from a cache keyed by its revision id, and unleash-server
 * 8.x moves that id on a 1 s timer (`updateMaxRevisionId`, scheduled every second; the client
 * controller memoizes the payload by the etag built from it). A fetch right after the change gets
 * the old flags for up to about a second.
 */
import { backoffDelay } from '../../lib/retry.ts';

export type FetchUntilOptions = {
  /** the bound, from the first fetch */
  timeoutMs: number;
  /** first pause between fetches (doubling, with full jitter) and its ceiling */
  initialMs: number;
  maxMs: number;
  /** a newer push for the same service: stop now, it carries the wait */
  superseded?: () => boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
};

export type FetchUntilResult = {
  /** the flags showed what was expected */
  seen: boolean;
  /** the wait stopped because a newer push took over (then `seen` is false) */
  superseded: boolean;
  fetches: number;
  /** the last fetch's failure, when the last one failed (Unleash unreachable, a timeout) */
  lastError: string | null;
};

/** Defaults: Unleash's revision timer is 1 s, so a few fetches in its second, then every 250 ms. */
export const PUSH_REFETCH = { timeoutMs: 5000, initialMs: 50, maxMs: 250 };

export async function fetchUntil(
  fetchOnce: (remainingMs: number) => Promise<void>,
  seen: () => boolean,
  options: FetchUntilOptions,
): Promise<FetchUntilResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + options.timeoutMs;
  let lastError: string | null = null;
  for (let fetches = 1; ; fetches++) {
    try {
      await fetchOnce(Math.max(1, deadline - now()));
      lastError = null;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    // checked after a failed fetch too: a fetch can apply the flags and fail after (the backup)
    if (seen()) return { seen: true, superseded: false, fetches, lastError };
    if (options.superseded?.()) return { seen: false, superseded: true, fetches, lastError };
    const pause = backoffDelay(fetches, options);
    if (now() + pause >= deadline) return { seen: false, superseded: false, fetches, lastError };
    await sleep(pause);
    if (options.superseded?.()) return { seen: false, superseded: true, fetches, lastError };
  }
}
