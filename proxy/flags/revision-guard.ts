/**
 * Flag answers never go backwards: an answer from Unleash carrying an older revision than one
 * already applied is dropped, so that a poll that was under way when a pushed refresh applied a
 * newer stage does not put the proxy back on the stage before (until its next poll, 15 s or a
 * minute later at slow polling). Such a stale answer arrives within a request's timeout of the
 * newer one; an older revision that keeps coming past `staleWindowMs` is Unleash itself gone back
 * (restored, or recreated with an empty event log), and is taken. Pure.
 */
export type RevisionGuard = {
  /** the newest revision applied, and when */
  newest: number;
  appliedAt: number;
};

export const STALE_ANSWER_WINDOW_MS = 10_000;

export const noRevisionYet = (): RevisionGuard => ({ newest: -1, appliedAt: 0 });

/** Whether to apply an answer with `revision` at `now`; the guard to keep when it is applied. */
export function admitRevision(
  guard: RevisionGuard,
  revision: number,
  now: number,
  staleWindowMs = STALE_ANSWER_WINDOW_MS,
): RevisionGuard | null {
  if (revision >= guard.newest) return { newest: revision, appliedAt: now };
  if (now - guard.appliedAt < staleWindowMs) return null;
  return { newest: revision, appliedAt: now };
}
