/**
 * One circuit breaker per upstream: after `failureThreshold` failures in a row it opens and
 * refuses calls for `cooldownMs`, then lets one trial call through (half-open); a success closes
 * it, a failure opens it again. Pure (the clock is injectable).
 */
export type CircuitState = 'closed' | 'open' | 'half-open';

export type CircuitBreaker = {
  /** may a call go out now? (in half-open, only the one trial call may) */
  allow(): boolean;
  success(): void;
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
  let trialOut = false;
  const current = (): CircuitState => {
    if (state === 'open' && now() - openedAt >= options.cooldownMs) {
      state = 'half-open';
      trialOut = false;
    }
    return state;
  };
  return {
    allow() {
      const s = current();
      if (s === 'closed') return true;
      if (s === 'half-open' && !trialOut) {
        trialOut = true;
        return true;
      }
      return false;
    },
    success() {
      failures = 0;
      state = 'closed';
      trialOut = false;
    },
    failure() {
      failures += 1;
      if (current() === 'half-open' || failures >= options.failureThreshold) {
        state = 'open';
        openedAt = now();
        trialOut = false;
      }
    },
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
