/**
 * Noise calibration: the first reads of each route are also sent to the monolith a second time
 * and the two monolith answers compared. Whatever differs between the monolith and itself
 * (a clock, a request id, a random order) is learned per route, as a generalised path, and not
 * reported as a mismatch afterwards. Pure; the learned set can be saved and loaded.
 */
import { generalisePath } from './json-path.ts';
import type { Difference } from './compare-responses.ts';

export function createNoiseModel(samplesPerRoute: number, learned: Record<string, string[]> = {}) {
  const noise = new Map<string, Set<string>>(
    Object.entries(learned).map(([route, paths]) => [route, new Set(paths)]),
  );
  const calibrated = new Map<string, number>();
  const empty: ReadonlySet<string> = new Set();
  return {
    /** should this read also be sent to the monolith a second time? (counts it if so) */
    wantsCalibration(route: string): boolean {
      const done = calibrated.get(route) ?? 0;
      if (done >= samplesPerRoute) return false;
      calibrated.set(route, done + 1);
      return true;
    },
    /** records what differed between two monolith answers; returns the paths that are new */
    learn(route: string, differences: Difference[]): string[] {
      const set = noise.get(route) ?? new Set<string>();
      noise.set(route, set);
      const fresh: string[] = [];
      for (const d of differences) {
        const path = generalisePath(d.path);
        if (!set.has(path)) {
          set.add(path);
          fresh.push(path);
        }
      }
      return fresh;
    },
    noiseOf: (route: string): ReadonlySet<string> => noise.get(route) ?? empty,
    snapshot: () => Object.fromEntries([...noise].map(([route, set]) => [route, [...set].sort()])),
  };
}

export type NoiseModel = ReturnType<typeof createNoiseModel>;
