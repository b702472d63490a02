/**
 * Holding the writes of a service during its write cut-over. While a hold is on, each write
 * waits until the hold is released or its own bound has passed; past the bound it is refused
 * (503 + Retry-After by the caller), never dropped silently and never sent to a side that may no
 * longer own it. A hold that nobody releases ends by itself after `expiresInMs`, so a crashed
 * orchestrator cannot freeze writes forever; the cut-over renews it (the same id again) while it
 * runs. Pure (timers only).
 */
import { FicusError } from '../../lib/errors.ts';
export type HoldInfo = {
  service: string;
  /** the cut-over's id of the hold (proxy/fleet/), when it came with one */
  holdId?: string;
  since: number;
  boundMs: number;
  expiresAt: number;
  waiting: number;
};

export type Admission =
  | { admitted: true; waitedMs: number }
  | { admitted: false; waitedMs: number; retryAfterSeconds: number };

/** A renewal of a hold that expired or was released here. */
export class HoldOver extends FicusError {
  constructor(service: string, holdId: string) {
    super(
      'hold_over',
      `the hold ${holdId} of ${service}'s writes is over on this proxy and is not taken again`,
      { status: 409 },
    );
  }
}

type Hold = HoldInfo & { release: Promise<void>; resolve: () => void; expiry: NodeJS.Timeout };

export function createWriteHolds(now: () => number = Date.now) {
  const holds = new Map<string, Hold>();
  // Writes on their way to an upstream, per service: the cut-over waits for these to finish
  // after holding, so that nothing committed late escapes the drain of the forward sync.
  const inFlight = new Map<string, number>();

  // Ids of the fleet holds this proxy was released from (or that expired here): a hold recorded in
  // the kit DB is not taken again once over (proxy/fleet/proxy-fleet.ts `holdsToTake`).
  const released = new Set<string>();
  const remember = (holdId: string | undefined) => {
    if (!holdId) return;
    released.add(holdId);
    if (released.size > 100) released.delete(released.values().next().value!);
  };

  function release(service: string, holdId?: string): boolean {
    remember(holdId);
    const hold = holds.get(service);
    if (!hold) return false;
    remember(hold.holdId);
    holds.delete(service);
    clearTimeout(hold.expiry);
    hold.resolve();
    return true;
  }

  return {
    hold(service: string, boundMs: number, expiresInMs = 60_000, holdId?: string): HoldInfo {
      const current = holds.get(service);
      // the same hold again is its renewal (a cut-over slower than the expiry keeps it): the
      // expiry moves, the writes waiting stay held
      if (holdId && current?.holdId === holdId) {
        clearTimeout(current.expiry);
        current.expiry = setTimeout(() => release(service), expiresInMs);
        current.expiry.unref();
        current.expiresAt = now() + expiresInMs;
        return info(current);
      }
      // one that is over is not taken again: its writes may have gone on to the old owner
      if (holdId && released.has(holdId)) throw new HoldOver(service, holdId);
      release(service);
      let resolve = () => {};
      const releasedNow = new Promise<void>((r) => (resolve = r));
      const expiry = setTimeout(() => release(service), expiresInMs);
      expiry.unref();
      const hold: Hold = {
        service,
        holdId,
        since: now(),
        boundMs,
        expiresAt: now() + expiresInMs,
        waiting: 0,
        release: releasedNow,
        resolve,
        expiry,
      };
      holds.set(service, hold);
      return info(hold);
    },
    release,
    isHeld: (service: string) => holds.has(service),
    heldId: (service: string) => holds.get(service)?.holdId,
    released: (): ReadonlySet<string> => released,
    /** Counts a write as under way until `done` is called (once). */
    begin(service: string): () => void {
      inFlight.set(service, (inFlight.get(service) ?? 0) + 1);
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        inFlight.set(service, (inFlight.get(service) ?? 1) - 1);
      };
    },
    inFlight: (service: string) => inFlight.get(service) ?? 0,
    list: () => [...holds.values()].map(info),
    /** Resolves when the write may go on, or with a refusal once it waited `boundMs`. */
    async admit(service: string): Promise<Admission> {
      const hold = holds.get(service);
      if (!hold) return { admitted: true, waitedMs: 0 };
      const started = now();
      hold.waiting += 1;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>(
        (r) => (timer = setTimeout(() => r('timeout'), hold.boundMs)),
      );
      const outcome = await Promise.race([hold.release.then(() => 'released' as const), timedOut]);
      clearTimeout(timer);
      hold.waiting -= 1;
      const waitedMs = now() - started;
      if (outcome === 'released') return { admitted: true, waitedMs };
      const retryAfterSeconds = Math.max(1, Math.ceil((hold.expiresAt - now()) / 1000));
      return { admitted: false, waitedMs, retryAfterSeconds: Math.min(retryAfterSeconds, 30) };
    },
  };
}

function info(hold: Hold): HoldInfo {
  return {
    service: hold.service,
    ...(hold.holdId ? { holdId: hold.holdId } : {}),
    since: hold.since,
    boundMs: hold.boundMs,
    expiresAt: hold.expiresAt,
    waiting: hold.waiting,
  };
}

export type WriteHolds = ReturnType<typeof createWriteHolds>;
