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

export type DifferenceKind = keyof SampleKeys;
export const DIFFERENCE_KINDS: DifferenceKind[] = [
  'mismatched',
  'missingInTarget',
  'extraInTarget',
];

/** Every differing key (text of each key column) by kind, and how many rows matched. */
export type ClassifiedRows = { matching: number; keys: Record<DifferenceKind, string[][]> };

/**
 * The row-by-row comparison itself, keeping every key: what `verify --repair` acts on (the
 * counts and samples of `compareRows` are taken from it). Legacy order first, then the extras.
 */
export function classifyRows(legacy: RowHash[], service: RowHash[]): ClassifiedRows {
  const id = (key: string[]) => JSON.stringify(key);
  const target = new Map(service.map((r) => [id(r.key), r]));
  const out: ClassifiedRows = {
    matching: 0,
    keys: { mismatched: [], missingInTarget: [], extraInTarget: [] },
  };
  for (const row of legacy) {
    const other = target.get(id(row.key));
    target.delete(id(row.key));
    if (!other) out.keys.missingInTarget.push(row.key);
    else if (other.h === row.h) out.matching += 1;
    else out.keys.mismatched.push(row.key);
  }
  for (const extra of target.values()) out.keys.extraInTarget.push(extra.key);
  return out;
}

export function compareRows(
  legacy: RowHash[],
  service: RowHash[],
  keyNames: string[],
): Differences {
  const asObject = (key: string[]) => Object.fromEntries(keyNames.map((n, i) => [n, key[i]]));
  const { matching, keys } = classifyRows(legacy, service);
  const result: Differences = {
    ...emptyCounts(),
    rows: legacy.length,
    matching,
    samples: emptySamples(),
    differing: [],
  };
  for (const kind of DIFFERENCE_KINDS) {
    result[kind] = keys[kind].length;
    result.samples[kind] = keys[kind].slice(0, SAMPLE_LIMIT).map(asObject);
  }
  // legacy order as before: a re-check reads the keys as a set, the samples are per kind
  result.differing = [...keys.mismatched, ...keys.missingInTarget, ...keys.extraInTarget];
  return result;
}

/** Adds `b` into `a` (counts, and samples up to the limit). */
export function addInto(
  a: Counts & { samples: SampleKeys },
  b: Counts & { samples: SampleKeys },
): void {
  for (const k of ['rows', 'matching', 'mismatched', 'missingInTarget', 'extraInTarget'] as const)
    a[k] += b[k];
  for (const k of DIFFERENCE_KINDS) {
    a.samples[k].push(...b.samples[k].slice(0, SAMPLE_LIMIT - a.samples[k].length));
  }
}

/** What both sides of each key hold at one read: the two row hashes (absent: no row). */
export type RowStates = Map<string, string>;

export function rowStates(legacy: RowHash[], service: RowHash[]): RowStates {
  const states: RowStates = new Map();
  const put = (r: RowHash, side: 0 | 1) => {
    const id = JSON.stringify(r.key);
    const pair = JSON.parse(states.get(id) ?? '[null,null]') as (string | null)[];
    pair[side] = r.h;
    states.set(id, JSON.stringify(pair));
  };
  for (const r of legacy) put(r, 0);
  for (const r of service) put(r, 1);
  return states;
}

/**
 * Splits the keys that still differ at a read into those that stood still since the previous read
 * (neither side changed across a catch-up of the sink: a real difference) and those written again
 * in between (a hot row under live traffic, compared at slightly different moments on the two
 * sides: the sync carries it like any other change). Without a previous read, none is known to
 * have moved.
 */
export function settledDifferences(
  still: string[][],
  previous: RowStates | undefined,
  now: RowStates,
): { differing: string[][]; moving: string[][] } {
  const differing: string[][] = [];
  const moving: string[][] = [];
  for (const key of still) {
    const id = JSON.stringify(key);
    const moved = previous !== undefined && previous.get(id) !== now.get(id);
    (moved ? moving : differing).push(key);
  }
  return { differing, moving };
}
