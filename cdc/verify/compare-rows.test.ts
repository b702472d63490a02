import { rowStates, settledDifferences } from './compare-rows.ts';

const row = (id: string, h: string) => ({ key: [id], h });

describe('settledDifferences', () => {
  const before = rowStates(
    [row('1', 'a'), row('2', 'b'), row('3', 'c')],
    [row('1', 'x'), row('2', 'y')],
  );

  test('a key whose two sides stood still across the catch-up is a real difference', () => {
    const now = rowStates([row('1', 'a')], [row('1', 'x')]);
    expect(settledDifferences([['1']], before, now)).toEqual({ differing: [['1']], moving: [] });
  });

  test('a key written again on either side in between is moving, not a difference', () => {
    const sourceMoved = rowStates([row('2', 'b2')], [row('2', 'y')]);
    expect(settledDifferences([['2']], before, sourceMoved).moving).toEqual([['2']]);
    const targetMoved = rowStates([row('2', 'b')], [row('2', 'y2')]);
    expect(settledDifferences([['2']], before, targetMoved).moving).toEqual([['2']]);
  });

  test('a row appearing or vanishing on one side counts as a move', () => {
    const appeared = rowStates([row('3', 'c')], [row('3', 'z')]);
    expect(settledDifferences([['3']], before, appeared).moving).toEqual([['3']]);
    const stillMissing = rowStates([row('3', 'c')], []);
    expect(settledDifferences([['3']], before, stillMissing).differing).toEqual([['3']]);
  });

  test('without a previous read every key that differs counts', () => {
    const now = rowStates([row('1', 'a')], [row('1', 'x')]);
    expect(settledDifferences([['1']], undefined, now)).toEqual({ differing: [['1']], moving: [] });
  });
});
