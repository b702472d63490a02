import { createCircuitBreaker } from './circuit-breaker.ts';

const breaker = () => {
  const clock = { now: 0 };
  const b = createCircuitBreaker({ failureThreshold: 2, cooldownMs: 100 }, () => clock.now);
  /** opens the circuit and lets the cooldown pass */
  const halfOpen = () => {
    b.failure();
    b.failure();
    clock.now += 150;
  };
  return { b, clock, halfOpen };
};

describe('circuit breaker', () => {
  it('opens after the threshold, lets one trial through after the cooldown, closes on success', () => {
    const { b, clock } = breaker();
    b.allow()!.failure();
    expect(b.allow()).toBeDefined();
    b.failure(); // a streamed call's outcome counts too
    expect([b.state(), b.allow()]).toEqual(['open', undefined]);
    clock.now = 150;
    const trial = b.allow();
    expect([trial !== undefined, b.allow()]).toEqual([true, undefined]);
    trial!.failure();
    expect(b.state()).toBe('open');
    clock.now = 300;
    b.allow()!.success();
    expect(b.state()).toBe('closed');
    expect(b.allow()).toBeDefined();
  });

  it('takes a trial given back without an outcome, and hands it to the next call', () => {
    const { b, halfOpen } = breaker();
    halfOpen();
    const trial = b.allow()!;
    expect(b.allow()).toBeUndefined();
    trial.release();
    expect(b.state()).toBe('half-open');
    const next = b.allow()!;
    expect(next).toBeDefined();
    next.success();
    expect(b.state()).toBe('closed');
  });

  it('counts the first settlement of a permit only (outcome, then release in a finally)', () => {
    const { b, halfOpen } = breaker();
    halfOpen();
    const trial = b.allow()!;
    trial.failure();
    trial.release(); // no-op: the trial already reported, the circuit stays open
    trial.success(); // no-op too
    expect([b.state(), b.allow()]).toEqual(['open', undefined]);
  });

  it('does not let a stale trial give back a later one', () => {
    const { b, clock, halfOpen } = breaker();
    halfOpen();
    const stale = b.allow()!;
    b.failure(); // a streamed call fails meanwhile: open again
    clock.now += 150;
    const current = b.allow()!;
    stale.release();
    expect(b.allow()).toBeUndefined(); // `current` still holds the only trial
    current.success();
    expect(b.state()).toBe('closed');
  });
});
