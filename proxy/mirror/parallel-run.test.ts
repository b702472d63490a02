// The parallel run and the service's circuit breaker: every read that took the half-open trial
// reports how the service did or gives the trial back, whichever way it ends. In shadow nothing
// else reports for the service, so a trial kept would stop mirroring for good (issue 12).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createNoiseModel } from '../compare/noise-model.ts';
import type { ProxyContext, RequestInfo } from '../proxy-context.ts';
import { circuitBreakers } from '../resilience/circuit-breaker.ts';
import type { MigratedRoute } from '../routing/route-table.ts';
import type { Tap } from '../upstream/stream-proxy.ts';
import { createMirrorLimiter } from './mirror-limiter.ts';
import type { Judged, MirrorPool } from './mirror-pool.ts';
import { startParallelRun } from './parallel-run.ts';

const route: MigratedRoute = {
  id: 'GET /api/things/:id',
  service: 'things',
  method: 'GET',
  path: '/api/things/:id',
  compare: {},
  read: true,
};

const answer = (body: string) => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(body),
  latencyMs: 3,
});

const judged = (service: Judged['service'], outcome?: 'match'): Judged => ({
  service,
  calibration: [],
  result: outcome ? { outcome, differences: [] } : undefined,
});

type Scenario = {
  /** how the monolith's answer ends, as the stream proxy's tap reports it */
  monolith(tap: Tap): void;
  /** the mirror worker's verdict on the service's side */
  judge: MirrorPool['judge'];
};

/** A proxy context of fakes around the real limiter and breakers, on a clock the test moves. */
function harness() {
  const clock = { now: 0 };
  const breakers = circuitBreakers({ failureThreshold: 1, cooldownMs: 100 }, () => clock.now);
  const limiter = createMirrorLimiter({ concurrency: 4, sampleRatio: 1 });
  const skips: string[] = [];
  const outcomes: string[] = [];
  const requests = new WeakMap<IncomingMessage, RequestInfo>();
  let scenario: Scenario;
  const ctx = {
    config: {
      backendHeader: false,
      mirror: { timeoutMs: 1000, maxBodyBytes: 10, recheckAfterMs: 0 },
    },
    log: { error() {} },
    breakers,
    limiter,
    requests,
    noise: createNoiseModel(0),
    metrics: {
      mirrorSkip: (_route: string, reason: string) => skips.push(reason),
      comparison: (_route: string, outcome: string) => outcomes.push(outcome),
    },
    mismatches: { add() {} },
    mirror: { judge: (...args: Parameters<MirrorPool['judge']>) => scenario.judge(...args) },
    monolith: { stream: (req: IncomingMessage) => scenario.monolith(requests.get(req)!.tap!) },
  } as unknown as ProxyContext;

  return {
    breaker: breakers.for(route.service),
    skips,
    outcomes,
    /** opens the circuit and lets it cool down: the next read takes the one trial */
    halfOpen() {
      breakers.for(route.service).failure();
      clock.now += 150;
      expect(breakers.for(route.service).state()).toBe('half-open');
    },
    /** mirrors one read */
    start(next: Scenario) {
      scenario = next;
      const req = { method: 'GET', url: '/api/things/1', headers: {} } as IncomingMessage;
      requests.set(req, { id: 'r1', route: route.id, backend: '', started: 0 });
      startParallelRun(ctx, req, {} as ServerResponse, route);
    },
    /** mirrors one read and waits until its parallel run is over (its mirror slot is free) */
    async read(next: Scenario) {
      this.start(next);
      while (limiter.inFlight() > 0) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('parallel run: the half-open trial', () => {
  it.each<[string, Scenario, string[]]>([
    [
      'the monolith answers over the mirror body limit',
      {
        monolith: (tap) => tap.done(undefined, 'body_too_large'),
        judge: () => Promise.reject(new Error('the service must not be asked')),
      },
      ['body_too_large'],
    ],
    [
      'the service answers over the mirror body limit',
      {
        monolith: (tap) => tap.done(answer('{}')),
        judge: async () => judged({ error: 'too_large' }),
      },
      ['body_too_large'],
    ],
    [
      'the comparison fails (a mirror worker died)',
      {
        monolith: (tap) => tap.done(answer('{}')),
        judge: () => Promise.reject(new Error('mirror worker exited with 1')),
      },
      [],
    ],
  ])('is given back when %s', async (_why, scenario, skips) => {
    const h = harness();
    h.halfOpen();
    await h.read(scenario);
    expect(h.skips).toEqual(skips);
    expect(h.breaker.state()).toBe('half-open');
    expect(h.breaker.allow()).toBeTruthy();
  });

  it('closes the circuit when the service answers, opens it again when it fails', async () => {
    const h = harness();
    h.halfOpen();
    await h.read({
      monolith: (tap) => tap.done(answer('{}')),
      judge: async () => judged({ status: 503, latencyMs: 2 }),
    });
    expect(h.breaker.state()).toBe('open');
    h.halfOpen();
    await h.read({
      monolith: (tap) => tap.done(answer('{}')),
      judge: async () => judged({ status: 200, latencyMs: 2 }, 'match'),
    });
    expect(h.breaker.state()).toBe('closed');
    expect(h.outcomes).toEqual(['error', 'match']);
  });

  it('is not handed to a second read while the first one holds it', async () => {
    const h = harness();
    h.halfOpen();
    let answering: Tap | undefined;
    h.start({
      monolith: (tap) => (answering = tap), // the monolith is still answering: the trial is out
      judge: async () => judged({ status: 200 }),
    });
    expect(h.breaker.allow()).toBeFalsy();
    answering!.done(undefined, 'timeout');
  });
});
