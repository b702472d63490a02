import { bisect, isRowError } from './bisect.ts';

const rowError = Object.assign(new Error('invalid input syntax'), { code: '22P02' });

describe('bisect', () => {
  it('finds the bad rows with far fewer statements than one per row', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const bad = new Set([17, 503, 998]);
    const written: number[] = [];
    const result = await bisect(
      items,
      async (part) => {
        if (part.some((i) => bad.has(i))) throw rowError;
        written.push(...part);
      },
      isRowError,
    );
    expect(result.failed.map((f) => f.item)).toEqual([17, 503, 998]);
    expect(written.sort((a, b) => a - b)).toEqual(items.filter((i) => !bad.has(i)));
    expect(result.statements).toBeLessThan(70);
  });

  it('does not bisect errors a row cannot cause', async () => {
    const lost = Object.assign(new Error('Connection terminated'), { code: undefined });
    await expect(
      bisect(
        [1, 2, 3],
        async () => {
          throw lost;
        },
        isRowError,
      ),
    ).rejects.toBe(lost);
  });

  it('classifies SQLSTATEs', () => {
    expect(isRowError({ code: '23505' })).toBe(true);
    expect(isRowError({ code: '22003' })).toBe(true);
    expect(isRowError({ code: '42P01' })).toBe(false);
    expect(isRowError({ code: '08006' })).toBe(false);
  });
});
