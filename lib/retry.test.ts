import { FicusError } from './errors.ts';
import { backoffDelay, isTransient, withRetry } from './retry.ts';

const fast = { initialMs: 1, maxMs: 4, maxAttempts: 10 };

describe('retry', () => {
  it('retries transient errors until the work succeeds', async () => {
    let calls = 0;
    const delays: number[] = [];
    const value = await withRetry(
      async () => {
        calls++;
        if (calls < 4)
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return 'done';
      },
      { ...fast, onRetry: (_e, _a, d) => delays.push(d) },
    );
    expect(value).toBe('done');
    expect(calls).toBe(4);
    expect(delays).toHaveLength(3);
  });

  it('never retries poison or programming errors', async () => {
    let calls = 0;
    const poison = new FicusError('poison_event', 'bad');
    await expect(
      withRetry(async () => {
        calls++;
        throw poison;
      }, fast),
    ).rejects.toBe(poison);
    await expect(
      withRetry(async () => {
        calls++;
        throw new TypeError('x is undefined');
      }, fast),
    ).rejects.toThrow(TypeError);
    expect(calls).toBe(2);
  });

  it('gives up after maxAttempts', async () => {
    let calls = 0;
    const error = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    await expect(
      withRetry(
        async () => {
          calls++;
          throw error;
        },
        { ...fast, maxAttempts: 3 },
      ),
    ).rejects.toBe(error);
    expect(calls).toBe(3);
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffDelay(1, { initialMs: 100, maxMs: 1000, random: () => 1 })).toBe(100);
    expect(backoffDelay(3, { initialMs: 100, maxMs: 1000, random: () => 1 })).toBe(400);
    expect(backoffDelay(10, { initialMs: 100, maxMs: 1000, random: () => 1 })).toBe(1000);
    expect(backoffDelay(3, { initialMs: 100, maxMs: 1000, random: () => 0.5 })).toBe(200);
  });

  it('recognises transient failures of pg and kafkajs', () => {
    expect(isTransient({ code: '08006' })).toBe(true);
    expect(isTransient({ code: '25P03' })).toBe(true);
    expect(isTransient({ name: 'KafkaJSConnectionError', message: 'Connection error' })).toBe(true);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient({ code: '23505' })).toBe(false);
  });
});
