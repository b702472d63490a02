/** The last mismatches seen, in memory, for the admin API (the kit DB keeps the full record). */
import type { ComparisonRecord } from '../store/comparison-recorder.ts';

export function createRecentMismatches(capacity = 200) {
  const ring: (ComparisonRecord & { at: string })[] = [];
  return {
    add(record: ComparisonRecord): void {
      ring.push({ ...record, at: new Date().toISOString() });
      if (ring.length > capacity) ring.shift();
    },
    /** newest first */
    list: (limit = 50, route?: string) =>
      ring
        .filter((r) => !route || r.route === route)
        .slice(-limit)
        .reverse(),
  };
}

export type RecentMismatches = ReturnType<typeof createRecentMismatches>;
