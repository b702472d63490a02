import {
  acknowledged,
  defaultAssignment,
  describeFleet,
  directionStatus,
  isLive,
  shouldRun,
  type Assignment,
  type WorkerReport,
} from './sync-fleet.ts';

const now = new Date('2026-12-05T12:00:00Z');
const at = (ms: number) => new Date(now.getTime() + ms);

const reverseOn: Assignment = {
  ...defaultAssignment('catalog', 'reverse'),
  active: true,
  generation: 3,
};
const reverseOff: Assignment = { ...reverseOn, active: false, generation: 4 };

const worker = (over: Partial<WorkerReport> = {}): WorkerReport => ({
  workerId: 'w1',
  service: 'catalog',
  direction: 'reverse',
  host: 'h',
  pid: 1,
  version: '0.1.0',
  state: 'running',
  generation: 3,
  applied: 0,
  lag: null,
  heartbeatAt: at(-500),
  leaseExpiresAt: at(9_500),
  ...over,
});

test('no row means forward on, reverse off, generation 0', () => {
  expect(defaultAssignment('catalog', 'forward')).toMatchObject({ active: true, generation: 0 });
  expect(defaultAssignment('catalog', 'reverse')).toMatchObject({ active: false, generation: 0 });
});

test('a worker is live while its lease holds and it is not stopping', () => {
  expect(isLive(worker(), now)).toBe(true);
  expect(isLive(worker({ leaseExpiresAt: at(-1) }), now)).toBe(false);
  expect(isLive(worker({ state: 'stopping' }), now)).toBe(false);
});

describe('acknowledged, switched on', () => {
  test('needs one live worker running at the generation or newer', () => {
    expect(acknowledged(reverseOn, [worker()], now)).toBe(true);
    expect(acknowledged(reverseOn, [worker({ generation: 5 })], now)).toBe(true);
    expect(acknowledged(reverseOn, [worker({ generation: 2 })], now)).toBe(false);
    expect(acknowledged(reverseOn, [worker({ state: 'standby' })], now)).toBe(false);
  });
  test('every live worker, not just one: one still on its way is waited for', () => {
    const lagging = worker({ workerId: 'w2', state: 'standby', generation: 2 });
    expect(acknowledged(reverseOn, [lagging, worker()], now)).toBe(false);
    expect(acknowledged(reverseOn, [worker({ workerId: 'w2' }), worker()], now)).toBe(true);
    const lapsed = worker({ workerId: 'w2', state: 'standby', leaseExpiresAt: at(-1) });
    expect(acknowledged(reverseOn, [lapsed, worker()], now)).toBe(true);
  });
  test('no worker, a lapsed one, or one of another service or direction does not count', () => {
    expect(acknowledged(reverseOn, [], now)).toBe(false);
    expect(acknowledged(reverseOn, [worker({ leaseExpiresAt: at(-1) })], now)).toBe(false);
    expect(acknowledged(reverseOn, [worker({ service: 'orders' })], now)).toBe(false);
    expect(acknowledged(reverseOn, [worker({ direction: 'forward' })], now)).toBe(false);
  });
});

describe('acknowledged, switched off', () => {
  test('every live worker stands by at the generation', () => {
    const standby = worker({ state: 'standby', generation: 4 });
    expect(acknowledged(reverseOff, [standby], now)).toBe(true);
    expect(acknowledged(reverseOff, [standby, worker({ workerId: 'w2' })], now)).toBe(false);
    expect(acknowledged(reverseOff, [worker({ state: 'standby', generation: 3 })], now)).toBe(
      false,
    );
  });
  test('workers that are gone, lapsed or stopping do not hold it up', () => {
    expect(acknowledged(reverseOff, [], now)).toBe(true);
    expect(acknowledged(reverseOff, [worker({ leaseExpiresAt: at(-1) })], now)).toBe(true);
    expect(acknowledged(reverseOff, [worker({ state: 'stopping' })], now)).toBe(true);
  });
});

test('describeFleet names the service, the direction and what each live worker does', () => {
  expect(describeFleet(reverseOn, [], now)).toBe('no live reverse worker of catalog');
  expect(describeFleet(reverseOn, [worker({ state: 'standby', generation: 2 })], now)).toMatch(
    /1 live reverse worker\(s\) of catalog: w1 standby at generation 2 \(pid 1 on h\)/,
  );
});

describe('shouldRun (the worker side)', () => {
  test('follows the assignment while the lease is renewed', () => {
    expect(shouldRun(reverseOn, 900)).toBe(true);
    expect(shouldRun(reverseOff, 900)).toBe(false);
  });
  test('stands by before it has read any assignment', () => {
    expect(shouldRun(null, 0)).toBe(false);
  });
  test('keeps running through a short outage of the kit DB, stands by before its lease lapses', () => {
    expect(shouldRun(reverseOn, 5_000, 7_000)).toBe(true);
    expect(shouldRun(reverseOn, 7_000, 7_000)).toBe(false);
  });
});

test('directionStatus counts live workers by state and the newest heartbeat age', () => {
  const workers = [
    worker(),
    worker({ workerId: 'w2', state: 'standby', heartbeatAt: at(-200) }),
    worker({ workerId: 'w3', leaseExpiresAt: at(-1) }),
  ];
  expect(directionStatus(reverseOn, workers, now)).toEqual({
    direction: 'reverse',
    active: true,
    generation: 3,
    changedAt: null,
    workers: { live: 2, running: 1, standby: 1, heartbeatAgeMs: 200 },
  });
  expect(directionStatus(reverseOn, [], now).workers).toEqual({
    live: 0,
    running: 0,
    standby: 0,
    heartbeatAgeMs: null,
  });
});
