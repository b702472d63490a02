import { createLogger } from '../../lib/logger.ts';
import { waitFor } from '../../lib/wait.ts';
import { defaultAssignment, type Assignment } from '../fleet/sync-fleet.ts';
import type { Heartbeat, SyncFleetStore } from '../fleet/sync-fleet-store.ts';
import { startSinkFollower, type SinkFollower } from './sink-follower.ts';
import type { SinkWorker } from './sink-worker.ts';

/** A kit DB in memory that can be taken away. */
function fakeStore() {
  const fake = {
    assignment: defaultAssignment('catalog', 'reverse'),
    reachable: true,
    beats: [] as Heartbeat[],
    deregistered: [] as string[],
  };
  const reach = async () => {
    if (!fake.reachable) throw new Error('connect ECONNREFUSED');
  };
  const store = {
    readAssignment: async () => (await reach(), { ...fake.assignment }),
    renew: async (beat: Heartbeat) => (await reach(), void fake.beats.push(beat)),
    deregister: async (id: string) => void fake.deregistered.push(id),
    pruneLapsed: async () => undefined,
  } as unknown as SyncFleetStore;
  const set = (change: Partial<Assignment>) =>
    (fake.assignment = {
      ...fake.assignment,
      ...change,
      generation: fake.assignment.generation + 1,
    });
  return { fake, store, set, last: () => fake.beats.at(-1) };
}

function fakeWorker() {
  const started: { stopped: boolean }[] = [];
  const start = async (): Promise<SinkWorker> => {
    const run = { stopped: false };
    started.push(run);
    return {
      stats: () => ({ applied: 5, lag: { total: 0 } }),
      failed: new Promise<never>(() => undefined),
      stop: async () => void (run.stopped = true),
    } as unknown as SinkWorker;
  };
  return { started, start };
}

const quiet = createLogger('test', () => undefined);
let follower: SinkFollower | undefined;
afterEach(async () => follower?.stop());

function follow(store: SyncFleetStore, start: () => Promise<SinkWorker>) {
  follower = startSinkFollower({
    service: 'catalog',
    direction: 'reverse',
    store,
    startWorker: start,
    version: 'test',
    log: quiet,
    heartbeatMs: 10,
    selfFenceMs: 150,
  });
  return follower;
}

test('stands by while its direction is off, runs once it is switched on, stands by again when it is off', async () => {
  const kit = fakeStore();
  const worker = fakeWorker();
  const f = follow(kit.store, worker.start);
  await waitFor('a standby report', async () => kit.last()?.state === 'standby', {
    timeoutMs: 2000,
  });
  expect(worker.started).toEqual([]);

  kit.set({ active: true });
  await waitFor(
    'running at generation 1',
    async () => kit.last()?.state === 'running' && kit.last()?.generation === 1,
    { timeoutMs: 2000 },
  );
  expect(worker.started).toHaveLength(1);

  kit.set({ active: false });
  await waitFor(
    'standby at generation 2',
    async () => kit.last()?.state === 'standby' && kit.last()?.generation === 2,
    { timeoutMs: 2000 },
  );
  expect(worker.started[0].stopped).toBe(true);
  expect(f.applied()).toBe(5);
});

test('keeps applying through a short outage of the kit DB, stands by before its lease lapses, resumes after', async () => {
  const kit = fakeStore();
  kit.set({ active: true });
  const worker = fakeWorker();
  const f = follow(kit.store, worker.start);
  await waitFor('running', async () => kit.last()?.state === 'running', { timeoutMs: 2000 });

  kit.fake.reachable = false;
  await new Promise((r) => setTimeout(r, 60));
  expect(f.state()).toBe('running');
  await waitFor('self-fenced', async () => f.state() === 'standby', { timeoutMs: 2000 });
  expect(worker.started[0].stopped).toBe(true);

  kit.fake.reachable = true;
  await waitFor('running again', async () => f.state() === 'running', { timeoutMs: 2000 });
  expect(worker.started).toHaveLength(2);
});

test('never runs before it has read its assignment', async () => {
  const kit = fakeStore();
  kit.set({ active: true });
  kit.fake.reachable = false;
  const worker = fakeWorker();
  const f = follow(kit.store, worker.start);
  await new Promise((r) => setTimeout(r, 80));
  expect(f.state()).toBe('standby');
  expect(worker.started).toEqual([]);
});

test('on stop it says it is going, stops the sink worker and deregisters', async () => {
  const kit = fakeStore();
  kit.set({ active: true });
  const worker = fakeWorker();
  const f = follow(kit.store, worker.start);
  await waitFor('running', async () => f.state() === 'running', { timeoutMs: 2000 });
  await f.stop();
  follower = undefined;
  expect(kit.last()?.state).toBe('stopping');
  expect(worker.started[0].stopped).toBe(true);
  expect(kit.fake.deregistered).toEqual([f.workerId]);
});
