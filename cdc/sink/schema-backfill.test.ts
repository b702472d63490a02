import { createLogger } from '../../lib/logger.ts';
import type { RepairReport } from '../verify/repair-service.ts';
import { createSchemaBackfill, type BackfillRequest } from './schema-backfill.ts';

const TOPIC = 'ficus.catalog.public.products';
const request = (target = 'products', topic = TOPIC): BackfillRequest => ({
  topic,
  target,
  reason: `${target}.colour newly mapped`,
});

const report = (target: string, remaining: number): RepairReport =>
  ({
    clean: remaining === 0,
    repairId: 7,
    tables: [{ target, copied: 3, deleted: 0, remaining }],
  }) as unknown as RepairReport;

/** A fake repair that finishes when the test says so, and a log that keeps its lines. */
function harness(owns: (topic: string) => boolean | undefined) {
  const lines: string[] = [];
  const calls: string[] = [];
  const finish: (() => void)[] = [];
  let outcome: (target: string) => RepairReport = (t) => report(t, 0);
  const backfill = createSchemaBackfill({
    service: 'catalog',
    ownsFirstPartition: owns,
    repair: (target) => {
      calls.push(target);
      return new Promise((resolve, reject) =>
        finish.push(() => {
          try {
            resolve(outcome(target));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        }),
      );
    },
    log: createLogger('test', (line) => lines.push(line)),
  });
  return {
    backfill,
    lines,
    calls,
    /** Finishes the repair under way; its outcome is logged and the next one started. */
    finishNext: async () => {
      finish.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    },
    fail: (how: (target: string) => RepairReport) => (outcome = how),
  };
}

describe('schema back-fill', () => {
  it('repairs the table when this worker holds partition 0 of its topic', async () => {
    const h = harness(() => true);
    h.backfill.request(request());
    expect(h.calls).toEqual(['products']);
    await h.finishNext();
    expect(h.backfill.stats()).toEqual({ done: 1, failed: 0, pending: 0, running: false });
    expect(h.lines.join('\n')).toMatch(/back-fill products: done, 3 re-copied.*repair #7/);
  });

  it('leaves it to the worker that holds partition 0, and waits while there is no assignment', () => {
    const assigned: { owns?: boolean } = {}; // no assignment yet (a rebalance)
    const h = harness(() => assigned.owns);
    h.backfill.request(request());
    h.backfill.tick();
    expect([h.calls, h.backfill.stats().pending]).toEqual([[], 1]);
    assigned.owns = false;
    h.backfill.tick();
    expect([h.calls, h.backfill.stats().pending]).toEqual([[], 0]);
    expect(h.lines.join('\n')).toMatch(/the worker that holds partition 0 of .* does it/);
  });

  it('runs one repair at a time, and a second request for a waiting table once', async () => {
    const h = harness(() => true);
    h.backfill.request(request('products'));
    h.backfill.request(request('inventory', 'ficus.catalog.public.inventory'));
    h.backfill.request(request('inventory', 'ficus.catalog.public.inventory'));
    expect(h.calls).toEqual(['products']);
    h.backfill.tick();
    expect(h.calls).toEqual(['products']);
    await h.finishNext();
    expect(h.calls).toEqual(['products', 'inventory']);
    await h.finishNext();
    expect(h.backfill.stats()).toMatchObject({ done: 2, pending: 0 });
  });

  it('on a failure logs the manual command and takes the next request', async () => {
    const h = harness(() => true);
    h.fail(() => {
      throw new Error('the sink has not caught up');
    });
    h.backfill.request(request());
    await h.finishNext();
    expect(h.lines.join('\n')).toMatch(
      /back-fill products failed; the sync goes on\. Back-fill it by hand: 'ficus verify catalog --repair'/,
    );
    h.fail((t) => report(t, 2));
    h.backfill.request(request());
    await h.finishNext();
    expect(h.lines.join('\n')).toMatch(/2 still differ.*'ficus verify catalog --repair'/);
    expect(h.backfill.stats()).toMatchObject({ done: 0, failed: 2 });
  });

  it('starts no repair once stopped; one under way that fails then says it was interrupted', async () => {
    const h = harness(() => true);
    h.backfill.request(request('products'));
    h.backfill.request(request('inventory', 'ficus.catalog.public.inventory'));
    h.backfill.stop();
    h.fail(() => {
      throw new Error('Cannot use a pool after calling end on the pool');
    });
    await h.finishNext();
    expect([h.calls, h.backfill.stats()]).toEqual([
      ['products'],
      { done: 0, failed: 1, pending: 1, running: false },
    ]);
    expect(h.lines.join('\n')).toMatch(
      /back-fill products interrupted by the worker's stop; finish it with 'ficus verify catalog --repair'/,
    );
  });
});
