import { compileTableMapping, type ColumnInfo } from '../../plan/mapping.ts';
import { copyInSql, copyOutSql, rangeCondition } from './copy-chunk.ts';
import { copyShape } from './copy-plan.ts';

const legacy: ColumnInfo[] = [
  { name: 'id', type: 'bigint' },
  { name: 'name', type: 'text' },
  { name: 'price', type: 'numeric(12,2)' },
];
const typed = (c: ColumnInfo[]) => ({ target: c });
const products = compileTableMapping(
  {
    source: 'products',
    target: 'items',
    key: ['id'],
    columns: {
      id: { target: 'id' },
      name: { target: 'title' },
      price: { target: 'price_cents', type: 'cents' },
    },
  },
  legacy,
  typed([
    { name: 'id', type: 'bigint' },
    { name: 'title', type: 'text' },
    { name: 'price_cents', type: 'bigint' },
  ]),
);

describe("a chunk's SQL", () => {
  it('reads the mapped rows of its key range on the legacy side, as verify computes them', () => {
    const shape = copyShape(products);
    expect(shape.rangeKey).toEqual({ source: 'id', target: 'id' });
    const out = copyOutSql(shape, { lower: 100n, upper: 200n });
    expect(out).toMatch(
      /^COPY \(SELECT .* FROM "public"\."products" AS src WHERE src\."id" >= 100 AND src\."id" < 200\) TO STDOUT$/,
    );
    expect(out).toContain('AS "price_cents"');
    expect(out).toContain('AS "title"');
  });

  it('empties the same range on the service side and fills it with the columns in that order', () => {
    const { clear, copy } = copyInSql(copyShape(products), { lower: null, upper: 100n });
    expect(clear).toBe('DELETE FROM "public"."items" WHERE "id" < 100');
    expect(copy).toBe('COPY "public"."items" ("id", "title", "price_cents") FROM STDIN');
    expect(rangeCondition('"id"', { lower: null, upper: null })).toBe('true');
  });

  it('copies a table as one chunk when its key is not one integer column copied as it is', () => {
    const byText = compileTableMapping(
      { source: 'products', target: 'items', key: ['name'] },
      legacy,
    );
    expect(copyShape(byText).rangeKey).toBeUndefined();
    const composite = compileTableMapping(
      { source: 'products', target: 'items', key: ['id', 'name'] },
      legacy,
    );
    expect(copyShape(composite).rangeKey).toBeUndefined();
    const converted = compileTableMapping(
      {
        source: 'products',
        target: 'items',
        key: ['price'],
        columns: { price: { target: 'p', type: 'cents' } },
      },
      legacy,
    );
    expect(copyShape(converted).rangeKey).toBeUndefined();
    const whole = copyInSql(copyShape(byText), { lower: null, upper: null });
    expect(whole.clear).toBe('DELETE FROM "public"."items" WHERE true');
  });
});

test('a column copied as it is into the same type goes without a cast; a converted one is cast', () => {
  const out = copyOutSql(copyShape(products), { lower: null, upper: null });
  expect(out).toContain('src."id" AS "id"');
  expect(out).toContain('src."name" AS "title"');
  expect(out).toMatch(/\)::bigint AS "price_cents"/);
});
