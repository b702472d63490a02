/**
 * One circuit breaker per upstream: after `failureThreshold` failures in a row it opens and
 * refuses calls for `cooldownMs`, then lets one trial call through (half-open); a success closes
 * it, a failure opens it again. Pure (the clock is injectable).
 *
 * A call the breaker lets through carries a permit that must be settled: with the call's outcome,
 * or given back when there is none to report (the call was not made, or its answer could not be
 * judged). In half-open the permit is the one trial: a trial never settled would leave the
 * circuit refusing every call for good, so the idiom is `try { … permit.success() } finally {
 * permit.release() }` (settling twice is a no-op, the first word counts).
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export type CallPermit = {
  /** the call went well: counts as a success (a trial closes the circuit) */
  success(): void;
  /** the call failed: counts toward opening (a failed trial opens the circuit again) */
  failure(): void;
  /** no outcome to report: nothing is counted, and a trial is given back for the next call */
  release(): void;
};

export type CircuitBreaker = {
  /** a permit for a call now, or undefined when the circuit refuses it (in half-open, one trial) */
  allow(): CallPermit | undefined;
  /** the outcome of a call made without a permit (a streamed request that goes out regardless) */
  success(): void;
  /** see `success` */
  failure(): void;
  state(): CircuitState;
};

export function createCircuitBreaker(
  options: { failureThreshold: number; cooldownMs: number },
  now: () => number = Date.now,
): CircuitBreaker {
  let failures = 0;
  let openedAt = 0;
  let state: CircuitState = 'closed';
  // Which trial is out (0: none). A number, not a flag, so that a stale trial's permit, settled
  // after the circuit moved on, cannot give back a later trial.
  let trialOut = 0;
  let trials = 0;
  const current = (): CircuitState => {
    if (state === 'open' && now() - openedAt >= options.cooldownMs) {
      state = 'half-open';
      trialOut = 0;
    }
    return state;
  };
  const success = () => {
    failures = 0;
    state = 'closed';
    trialOut = 0;
  };
  const failure = () => {
    failures += 1;
    if (current() === 'half-open' || failures >= options.failureThreshold) {
      state = 'open';
      openedAt = now();
      trialOut = 0;
    }
  };
  const permit = (trial: number): CallPermit => {
    let settled = false;
    const settle = (report: () => void) => () => {
      if (settled) return;
      settled = true;
      report();
    };
    return {
      success: settle(success),
      failure: settle(failure),
      release: settle(() => {
        if (trial && trialOut === trial) trialOut = 0;
      }),
    };
  };
  return {
    allow() {
      const s = current();
      if (s === 'closed') return permit(0);
      if (s === 'half-open' && !trialOut) {
        trialOut = ++trials;
        return permit(trialOut);
      }
      return undefined;
    },
    success,
    failure,
    state: current,
  };
}

/** Breakers by upstream name, made on first use. */
export function circuitBreakers(
  options: { failureThreshold: number; cooldownMs: number },
  now?: () => number,
) {
  const breakers = new Map<string, CircuitBreaker>();
  return {
    for(upstream: string): CircuitBreaker {
      let breaker = breakers.get(upstream);
      if (!breaker) breakers.set(upstream, (breaker = createCircuitBreaker(options, now)));
      return breaker;
    },
    states: () => Object.fromEntries([...breakers].map(([name, b]) => [name, b.state()])),
  };
}
