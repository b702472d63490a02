/**
 * The stage table of DESIGN.md as code: for a service's stage, who answers a request, whether a
 * read is mirrored to the other side for comparison, and whether a failed answer may fall back
 * to the monolith. Pure.
 */
import type { StageState } from '../../plan/stages.ts';

export type Backend = 'monolith' | 'service';

export type Decision = {
  serve: Backend;
  /** also send the read to the other side and compare (the client never waits for it) */
  mirror: boolean;
  /** a failed answer of the service is replaced by the monolith's (safe reads in canary only) */
  fallback: boolean;
};

/**
 * @param read GET/HEAD
 * @param inCanary whether this user falls in the canary share (only asked for canary reads)
 */
export function decide(state: StageState, read: boolean, inCanary: () => boolean): Decision {
  const owner: Backend =
    state.stage === 'live' || state.stage === 'complete' ? 'service' : 'monolith';
  // Writes follow the stage table: the monolith owns them until the write cut-over to `live`.
  if (!read) return { serve: owner, mirror: false, fallback: false };
  switch (state.stage) {
    case 'legacy':
      return { serve: 'monolith', mirror: false, fallback: false };
    case 'shadow':
      return { serve: 'monolith', mirror: true, fallback: false };
    case 'canary':
      return inCanary()
        ? { serve: 'service', mirror: false, fallback: true }
        : { serve: 'monolith', mirror: true, fallback: false };
    default:
      return { serve: 'service', mirror: false, fallback: false };
  }
}
