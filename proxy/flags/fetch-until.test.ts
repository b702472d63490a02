import { fetchUntil, type FetchUntilOptions } from './fetch-until.ts';

/**
 * A scripted Unleash: each fetch returns the next stage of the script (the last one repeats) or
 * throws; a fake clock that the loop's sleeps move, so bounds are exact and nothing waits.
 */
function scripted(script: (string | Error)[]) {
  let clock = 0;
  let applied = 'legacy';
  const calls: { at: number; remainingMs: number }[] = [];
  const fetchOnce = async (remainingMs: number) => {
    calls.push({ at: clock, remainingMs });
    const next = script[Math.min(calls.length - 1, script.length - 1)];
    if (next instanceof Error) throw next;
    applied = next;
  };
  const options: FetchUntilOptions = {
    timeoutMs: 1000,
    initialMs: 50,
    maxMs: 200,
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
    random: () => 1,
  };
  return { fetchOnce, options, calls, applied: () => applied, clock: () => clock };
}

test('fetches again, with growing pauses, until the flags show the expected stage', async () => {
  const u = scripted(['shadow', 'shadow', 'shadow', 'live']);
  const result = await fetchUntil(u.fetchOnce, () => u.applied() === 'live', u.options);
  expect(result).toEqual({ seen: true, superseded: false, fetches: 4, lastError: null });
  expect(u.calls.map((c) => c.at)).toEqual([0, 50, 150, 350]);
});

test('seen on the first fetch: one fetch, no pause', async () => {
  const u = scripted(['live']);
  const result = await fetchUntil(u.fetchOnce, () => u.applied() === 'live', u.options);
  expect(result).toMatchObject({ seen: true, fetches: 1 });
  expect(u.clock()).toBe(0);
});

test('never seen: stops at the bound and says it did not see it', async () => {
  const u = scripted(['shadow']);
  const result = await fetchUntil(u.fetchOnce, () => u.applied() === 'live', u.options);
  expect(result).toEqual({ seen: false, superseded: false, fetches: 7, lastError: null });
  // pauses 50, 100, 200, 200, 200, 200: the next would end past the bound of 1000 ms
  expect(u.calls.map((c) => c.at)).toEqual([0, 50, 150, 350, 550, 750, 950]);
  expect(u.clock()).toBeLessThanOrEqual(1000);
  // each fetch gets the time left, so that a slow one cannot run far past the bound
  expect(u.calls.map((c) => c.remainingMs)).toEqual([1000, 950, 850, 650, 450, 250, 50]);
});

test('a failed fetch is tried again; the failure is reported only while it lasts', async () => {
  const u = scripted([new Error('Unleash answered 503'), 'shadow', 'live']);
  const result = await fetchUntil(u.fetchOnce, () => u.applied() === 'live', u.options);
  expect(result).toEqual({ seen: true, superseded: false, fetches: 3, lastError: null });

  const down = scripted([new Error('connect ECONNREFUSED')]);
  const failed = await fetchUntil(down.fetchOnce, () => down.applied() === 'live', down.options);
  expect(failed).toMatchObject({ seen: false, lastError: 'connect ECONNREFUSED' });
});

test('a fetch that applied the flags and failed after counts as seen', async () => {
  let applied = 'shadow';
  const result = await fetchUntil(
    async () => {
      applied = 'live';
      throw new Error('ENOSPC writing the backup');
    },
    () => applied === 'live',
    scripted([]).options,
  );
  expect(result).toMatchObject({ seen: true, fetches: 1, lastError: 'ENOSPC writing the backup' });
});

test('a newer push for the service takes over: the older wait ends at once, not at the bound', async () => {
  // the push expected canary 5%; Unleash already has canary 25% from the change after it
  const u = scripted(['canary 25%']);
  let newerPush = false;
  const result = await fetchUntil(u.fetchOnce, () => u.applied() === 'canary 5%', {
    ...u.options,
    sleep: async (ms) => {
      await u.options.sleep!(ms);
      newerPush = true;
    },
    superseded: () => newerPush,
  });
  expect(result).toEqual({ seen: false, superseded: true, fetches: 1, lastError: null });
  expect(u.applied()).toBe('canary 25%');
});
