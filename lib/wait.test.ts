import { TimeoutError } from './errors.ts';
import { waitWhileProgressing } from './wait.ts';

describe('waitWhileProgressing', () => {
  test('keeps waiting while progress grows, past what the stall limit alone would allow', async () => {
    let count = 0;
    const result = await waitWhileProgressing(
      'count to 30',
      async () => {
        count += 1;
        return { done: count >= 30 && `reached ${count}`, progress: count };
      },
      { stallMs: 5, intervalMs: 1 },
    );
    expect(result).toBe('reached 30');
  });

  test('fails once progress stops, saying where it stopped', async () => {
    let count = 0;
    const waiting = waitWhileProgressing(
      'count to 100',
      async () => {
        count = Math.min(count + 1, 7);
        return { done: false, progress: count };
      },
      { stallMs: 20, intervalMs: 1 },
    );
    await expect(waiting).rejects.toThrow(TimeoutError);
    await expect(waiting).rejects.toThrow(
      'no progress for 20 ms waiting for count to 100 (stuck at 7)',
    );
  });

  test('an error from the check is not swallowed', async () => {
    const waiting = waitWhileProgressing(
      'anything',
      async () => {
        throw new Error('more messages than expected');
      },
      { stallMs: 1_000 },
    );
    await expect(waiting).rejects.toThrow('more messages than expected');
  });
});
