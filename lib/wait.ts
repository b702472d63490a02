import { TimeoutError } from './errors.ts';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new TimeoutError(
        `timed out after ${options.timeoutMs} ms waiting for ${what}${reason}`,
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}

/**
 * Polls `check` until it reports `done`, like waitFor, but fails only once the `progress` it
 * reports (a count that grows as the awaited work advances) has not grown for `stallMs`. A long
 * stream on loaded cores gets the time it needs; a stuck one fails as soon as it stops moving,
 * saying where it stopped.
 */
export async function waitWhileProgressing<T>(
  what: string,
  check: () => Promise<{ done: T | undefined | false; progress: number }>,
  options: { stallMs: number; intervalMs?: number },
): Promise<T> {
  let best = -Infinity;
  let movedAt = Date.now();
  for (;;) {
    const { done, progress } = await check();
    if (done !== undefined && done !== false) return done;
    if (progress > best) {
      best = progress;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > options.stallMs) {
      throw new TimeoutError(
        `no progress for ${options.stallMs} ms waiting for ${what} (stuck at ${best})`,
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}
