/**
 * Lag per partition: the topic's high watermark minus the next offset the sink will apply. The
 * applied positions come from the target DB (shared by every member of the group, so a worker
 * reports the whole group's lag, idle partitions included); watermarks from the broker.
 */
import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { SinkMetrics } from './sink-metrics.ts';
import { readPositions } from './sync-tables.ts';

export type PartitionLag = {
  topic: string;
  partition: number;
  next: bigint;
  high: bigint;
  lag: number;
};
export type LagSnapshot = { total: number; partitions: PartitionLag[]; measuredAt: number };

export function createLagTracker(options: {
  admin: Admin;
  target: Pool;
  groupId: string;
  topics: string[];
  metrics: SinkMetrics;
  intervalMs: number;
  log: Logger;
}) {
  const state = new Map<string, PartitionLag>();
  let measuredAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const keyOf = (topic: string, partition: number) => `${topic}:${partition}`;

  const set = (topic: string, partition: number, next: bigint, high: bigint) => {
    const lag = Number(high > next ? high - next : 0n);
    state.set(keyOf(topic, partition), { topic, partition, next, high, lag });
    options.metrics.lag.set({ topic, partition: String(partition) }, lag);
  };

  const measure = async () => {
    const stored = await readPositions(options.target, options.groupId);
    for (const topic of options.topics) {
      for (const p of await options.admin.fetchTopicOffsets(topic)) {
        const position = stored.find((s) => s.topic === topic && s.partition === p.partition);
        const next =
          position && BigInt(position.nextOffset) >= 0n
            ? BigInt(position.nextOffset)
            : BigInt(p.low);
        set(topic, p.partition, next, BigInt(p.high));
      }
    }
    measuredAt = Date.now();
  };

  return {
    /** after a batch: this partition is applied up to `next` and the broker had `high` */
    applied(topic: string, partition: number, next: bigint, high: bigint) {
      const known = state.get(keyOf(topic, partition));
      set(topic, partition, next, known && known.high > high ? known.high : high);
    },
    measure,
    start() {
      const tick = () =>
        void measure()
          .catch((error) =>
            options.log.debug('lag measurement failed', { error: errorMessage(error) }),
          )
          .finally(() => {
            if (timer) timer = setTimeout(tick, options.intervalMs);
          });
      timer = setTimeout(tick, 0);
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    snapshot(): LagSnapshot {
      const partitions = [...state.values()];
      return { total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions, measuredAt };
    },
  };
}

export type LagTracker = ReturnType<typeof createLagTracker>;
