import { planSequenceMoves, SequenceExhausted, type SequenceUse } from './sequence-moves.ts';

const use = (over: Partial<SequenceUse> = {}): SequenceUse => ({
  schema: 'public',
  table: 'orders',
  column: 'id',
  kind: 'serial',
  numeric: true,
  sequence: '"public"."orders_id_seq"',
  increment: '1',
  minValue: '1',
  maxValue: '9223372036854775807',
  lastValue: '1',
  isCalled: false,
  columnMax: '42',
  columnMin: '1',
  ...over,
});

test('a sequence behind the copied keys moves to the highest', () => {
  expect(planSequenceMoves([use()]).moves).toEqual([
    { sequence: '"public"."orders_id_seq"', to: '42', because: 'public.orders.id' },
  ]);
});

test('a sequence already past the keys is never moved backwards', () => {
  expect(planSequenceMoves([use({ lastValue: '100', isCalled: true })]).moves).toEqual([]);
  // handing out 42 next would collide: moved
  expect(planSequenceMoves([use({ lastValue: '41', isCalled: true })]).moves).toHaveLength(1);
  // its next value is 43: nothing to do
  expect(planSequenceMoves([use({ lastValue: '42', isCalled: true })]).moves).toEqual([]);
});

test('an unused sequence whose start is past the keys stays unused', () => {
  expect(planSequenceMoves([use({ lastValue: '1000', isCalled: false })]).moves).toEqual([]);
  // its first value would be the highest key itself
  expect(planSequenceMoves([use({ lastValue: '42', isCalled: false })]).moves).toHaveLength(1);
});

test('an empty table leaves its sequence as it is, used or not', () => {
  const empty = { columnMax: null, columnMin: null };
  expect(planSequenceMoves([use(empty)]).moves).toEqual([]);
  expect(planSequenceMoves([use({ ...empty, lastValue: '7', isCalled: true })]).moves).toEqual([]);
});

test('a sequence shared by two tables moves past the higher of both', () => {
  const shared = '"billing"."numbers"';
  const plan = planSequenceMoves([
    use({ sequence: shared, kind: 'default', columnMax: '10' }),
    use({ sequence: shared, kind: 'default', table: 'refunds', columnMax: '12' }),
  ]);
  expect(plan.moves).toEqual([{ sequence: shared, to: '12', because: 'public.refunds.id' }]);
});

test('keys past 2^53 are compared exactly', () => {
  const big = '9007199254740993';
  expect(
    planSequenceMoves([use({ lastValue: '9007199254740992', isCalled: true, columnMax: big })])
      .moves,
  ).toEqual([{ sequence: '"public"."orders_id_seq"', to: big, because: 'public.orders.id' }]);
});

test('a descending sequence moves below the lowest key', () => {
  const down = { increment: '-1', minValue: '-1000', maxValue: '-1', lastValue: '-1' };
  expect(planSequenceMoves([use({ ...down, columnMin: '-5', columnMax: '-1' })]).moves).toEqual([
    { sequence: '"public"."orders_id_seq"', to: '-5', because: 'public.orders.id' },
  ]);
  expect(
    planSequenceMoves([use({ ...down, lastValue: '-9', isCalled: true, columnMin: '-5' })]).moves,
  ).toEqual([]);
});

test('a column that is not a number but draws from a sequence is noted and left alone', () => {
  const plan = planSequenceMoves([
    use({ column: 'code', numeric: false, kind: 'default', columnMax: null, columnMin: null }),
  ]);
  expect(plan.moves).toEqual([]);
  expect(plan.notes).toEqual([
    'public.orders.code draws from "public"."orders_id_seq" but is not a number: its values are the application\'s, left alone',
  ]);
});

test('a key at the last value of its sequence stops the move, naming the fix', () => {
  const full = () => planSequenceMoves([use({ maxValue: '32767', columnMax: '32767' })]);
  expect(full).toThrow(SequenceExhausted);
  expect(full).toThrow(
    /public\.orders\.id holds 32767, at or past the sequence's maximum 32767.*MAXVALUE/,
  );
});

test('no sequence, no move (application-made keys)', () => {
  expect(planSequenceMoves([])).toEqual({ moves: [], notes: [] });
});
