/**
 * Row-by-row comparison of one chunk (or of re-checked keys): fingerprints of both sides by key,
 * turned into counts and a few sample keys per kind of difference.
 */
export type RowHash = { key: string[]; h: string };

export type SampleKeys = {
  mismatched: Record<string, string>[];
  missingInTarget: Record<string, string>[];
  extraInTarget: Record<string, string>[];
};

export type Counts = {
  rows: number;
  matching: number;
  mismatched: number;
  missingInTarget: number;
  extraInTarget: number;
};

export type Differences = Counts & {
  samples: SampleKeys;
  /** keys (text) of every difference, for a re-check */ differing: string[][];
};

export const SAMPLE_LIMIT = 5;

export const emptyCounts = (): Counts => ({
  rows: 0,
  matching: 0,
  mismatched: 0,
  missingInTarget: 0,
  extraInTarget: 0,
});
export const emptySamples = (): SampleKeys => ({
  mismatched: [],
  missingInTarget: [],
  extraInTarget: [],
});

export function compareRows(
  legacy: RowHash[],
  service: RowHash[],
  keyNames: string[],
): Differences {
  const id = (key: string[]) => JSON.stringify(key);
  const asObject = (key: string[]) => Object.fromEntries(keyNames.map((n, i) => [n, key[i]]));
  const target = new Map(service.map((r) => [id(r.key), r]));
  const result: Differences = {
    ...emptyCounts(),
    rows: legacy.length,
    samples: emptySamples(),
    differing: [],
  };
  const note = (kind: keyof SampleKeys, key: string[]) => {
    result[kind] += 1;
    result.differing.push(key);
    if (result.samples[kind].length < SAMPLE_LIMIT) result.samples[kind].push(asObject(key));
  };
  for (const row of legacy) {
    const other = target.get(id(row.key));
    target.delete(id(row.key));
    if (!other) note('missingInTarget', row.key);
    else if (other.h === row.h) result.matching += 1;
    else note('mismatched', row.key);
  }
  for (const extra of target.values()) note('extraInTarget', extra.key);
  return result;
}

/** Adds `b` into `a` (counts, and samples up to the limit). */
export function addInto(
  a: Counts & { samples: SampleKeys },
  b: Counts & { samples: SampleKeys },
): void {
  for (const k of ['rows', 'matching', 'mismatched', 'missingInTarget', 'extraInTarget'] as const)
    a[k] += b[k];
  for (const k of ['mismatched', 'missingInTarget', 'extraInTarget'] as const) {
    a.samples[k].push(...b.samples[k].slice(0, SAMPLE_LIMIT - a.samples[k].length));
  }
}
