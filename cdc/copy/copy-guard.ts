/**
 * What the forward sink asks of the initial copy (cdc/sink/apply-batch.ts), besides whether a table
 * still waits for its copy (read with the position's lock, cdc/sink/sync-tables.ts): which events
 * a finished copy already holds. The worker keeps the filters of the finished copies
 * (copy-follower.ts).
 */
import type { CopyFilter } from './copy-filter.ts';

export type CopyGuard = { filter(topic: string): CopyFilter | undefined };

export const copyGuard = (filters: ReadonlyMap<string, CopyFilter>): CopyGuard => ({
  filter: (topic) => filters.get(topic),
});
