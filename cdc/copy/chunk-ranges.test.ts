import { cutRanges, rangeOf, WHOLE_TABLE } from './chunk-ranges.ts';

describe('the key ranges of a copy', () => {
  it('cuts a table into contiguous ranges unbounded at both ends', () => {
    const ranges = cutRanges({ min: 1n, max: 1000n, estimatedRows: 1000, chunkRows: 400 });
    expect(ranges).toEqual([
      { lower: null, upper: 334n },
      { lower: 334n, upper: 667n },
      { lower: 667n, upper: null },
    ]);
  });

  it('copies a small, empty or single-key table as one chunk', () => {
    expect(cutRanges({ min: 1n, max: 10n, estimatedRows: 10, chunkRows: 100 })).toEqual([
      WHOLE_TABLE,
    ]);
    expect(cutRanges({ min: null, max: null, estimatedRows: 0, chunkRows: 100 })).toEqual([
      WHOLE_TABLE,
    ]);
    expect(cutRanges({ min: 7n, max: 7n, estimatedRows: 1e6, chunkRows: 1 })).toEqual([
      WHOLE_TABLE,
    ]);
  });

  it('never makes more ranges than keys, past 2^53 too', () => {
    const big = 2n ** 62n;
    expect(cutRanges({ min: big, max: big + 2n, estimatedRows: 1e9, chunkRows: 1 })).toEqual([
      { lower: null, upper: big + 1n },
      { lower: big + 1n, upper: big + 2n },
      { lower: big + 2n, upper: null },
    ]);
  });

  it('finds the range of any key, also outside the bounds seen when cutting', () => {
    const ranges = cutRanges({ min: 1n, max: 1000n, estimatedRows: 1000, chunkRows: 100 });
    expect(ranges).toHaveLength(10);
    expect(rangeOf(ranges, -5n)).toBe(0);
    expect(rangeOf(ranges, 1n)).toBe(0);
    for (const [i, r] of ranges.entries()) {
      if (r.lower !== null) expect(rangeOf(ranges, r.lower)).toBe(i);
      if (r.upper !== null) expect(rangeOf(ranges, r.upper - 1n)).toBe(i);
    }
    expect(rangeOf(ranges, 10n ** 15n)).toBe(9);
    expect(rangeOf([WHOLE_TABLE], 42n)).toBe(0);
  });
});
