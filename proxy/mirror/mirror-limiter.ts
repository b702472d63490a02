/**
 * Whether a read may be mirrored now: sampling and a concurrency bound, so that the parallel run
 * can never take more than its share of the machine. What it refuses is named by a reason that
 * the caller counts (`ficus_proxy_mirror_skips_total{reason}`). Pure (random is injectable).
 */
export type SkipReason =
  'sampled_out' | 'concurrency' | 'body_too_large' | 'circuit_open' | 'request_body';

export type MirrorSlot = { release(): void };

export function createMirrorLimiter(
  limits: { concurrency: number; sampleRatio: number },
  random: () => number = Math.random,
) {
  let inFlight = 0;
  return {
    /** a slot to mirror with, or the reason not to */
    acquire(): MirrorSlot | SkipReason {
      if (limits.sampleRatio < 1 && random() >= limits.sampleRatio) return 'sampled_out';
      if (inFlight >= limits.concurrency) return 'concurrency';
      inFlight += 1;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          inFlight -= 1;
        },
      };
    },
    inFlight: () => inFlight,
  };
}

export type MirrorLimiter = ReturnType<typeof createMirrorLimiter>;
