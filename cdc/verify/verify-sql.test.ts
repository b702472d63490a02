import { compileTableMapping } from '../../plan/mapping.ts';
import { compareRows } from './compare-rows.ts';
import { renderBoundaries, renderChunkHash, renderChunkRows, verifySides } from './verify-sql.ts';

const compiled = compileTableMapping(
  {
    source: 'products',
    target: 'items',
    key: ['id'],
    columns: { id: { target: 'item_id' }, price: { target: 'price_cents', type: 'cents' } },
  },
  [
    { name: 'id', type: 'integer' },
    { name: 'price', type: 'numeric(12,2)' },
  ],
  {
    target: [
      { name: 'item_id', type: 'bigint' },
      { name: 'price_cents', type: 'integer' },
    ],
  },
);

describe('verify SQL', () => {
  const sides = verifySides(compiled);

  it('evaluates the mapping on the legacy side, cast to the target types, and plain columns on the service side', () => {
    expect(sides.legacy.values).toEqual([
      '(src."id")::bigint',
      '(round(src."price" * 100)::bigint)::integer',
    ]);
    expect(sides.service.values).toEqual(['t."item_id"', 't."price_cents"']);
    // integer -> bigint is not the same type: the key is compared through the cast
    expect(sides.legacy.keys).toEqual([{ sql: '(src."id")::bigint', type: 'bigint' }]);
  });

  it("compares a column of the service's own enum by its portable type on both sides", () => {
    const enums = verifySides(
      compileTableMapping(
        { source: 'a', target: 'b', key: ['mood'] },
        [{ name: 'mood', type: 'legacy_mood', portable: 'text' }],
        { target: [{ name: 'mood', type: 'service_mood', portable: 'text' }] },
      ),
    );
    // neither database has the other's enum; an enum's order is not its text's either
    expect(enums.legacy.values).toEqual(['(src."mood")::text']);
    expect(enums.service.values).toEqual(['t."mood"::text']);
    expect(enums.legacy.keys).toEqual([{ sql: '(src."mood")::text', type: 'text' }]);
    expect(enums.service.keys).toEqual([{ sql: 't."mood"::text', type: 'text' }]);
  });

  it('keeps a same-typed key on the bare column so its index serves the ranges', () => {
    const same = verifySides(
      compileTableMapping({ source: 'a', target: 'b', key: ['id'] }, [
        { name: 'id', type: 'bigint' },
      ]),
    );
    expect(same.legacy.keys).toEqual([{ sql: 'src."id"', type: 'bigint' }]);
  });

  it('bounds chunks by (lower, upper] with typed parameters, open at both ends', () => {
    const middle = renderChunkHash(sides.service, { lower: ['10'], upper: ['20'] });
    expect(middle.sql).toContain(
      'WHERE (t."item_id") > ($1::bigint) AND (t."item_id") <= ($2::bigint)',
    );
    expect(middle.params).toEqual(['10', '20']);
    expect(renderChunkHash(sides.service, { lower: null, upper: null }).sql).toContain(
      'WHERE true',
    );
    expect(renderChunkRows(sides.legacy, { lower: ['5'], upper: null }).sql).toMatch(
      /WHERE \(\(src."id"\)::bigint\) > \(\$1::bigint\) ORDER BY/,
    );
  });

  it('picks every n-th key of the legacy side as a boundary', () => {
    expect(renderBoundaries(sides.legacy, 500)).toContain('WHERE rn % 500 = 0 ORDER BY rn');
  });

  it('refuses to compare columns whose type it cannot know', () => {
    const derived = compileTableMapping(
      { source: 'a', target: 'b', key: ['id'], derived: { d: 'id + 1' } },
      [{ name: 'id', type: 'bigint' }],
    );
    expect(() => verifySides(derived)).toThrow('target column types unknown for d');
  });
});

describe('compareRows', () => {
  it('counts matching, mismatched, missing and extra rows with sample keys', () => {
    const legacy = [
      { key: ['1'], h: 'a' },
      { key: ['2'], h: 'b' },
      { key: ['3'], h: 'c' },
    ];
    const service = [
      { key: ['1'], h: 'a' },
      { key: ['2'], h: 'X' },
      { key: ['4'], h: 'd' },
    ];
    const result = compareRows(legacy, service, ['id']);
    expect(result).toMatchObject({
      rows: 3,
      matching: 1,
      mismatched: 1,
      missingInTarget: 1,
      extraInTarget: 1,
    });
    expect(result.samples).toEqual({
      mismatched: [{ id: '2' }],
      missingInTarget: [{ id: '3' }],
      extraInTarget: [{ id: '4' }],
    });
    expect(result.differing).toEqual([['2'], ['3'], ['4']]);
  });
});

describe('verify SQL on schemas and names that need quoting', () => {
  const quoted = compileTableMapping(
    { source: 'Invoices', target: 'invoice lines', key: ['order'] },
    [
      { name: 'order', type: 'bigint' },
      { name: 'user', type: 'text' },
    ],
    { sourceSchema: 'Billing Data', targetSchema: 'Ledger' },
  );
  const sides = verifySides(quoted);

  it('reads each side from its own schema, every identifier quoted', () => {
    const legacy = renderChunkRows(sides.legacy, { lower: ['1'], upper: null }).sql;
    expect(legacy).toContain('FROM "Billing Data"."Invoices" AS src');
    expect(legacy).toContain('src."order"');
    expect(legacy).toContain('src."user"');
    const service = renderChunkHash(sides.service, { lower: null, upper: ['9'] }).sql;
    expect(service).toContain('FROM "Ledger"."invoice lines" AS t');
    expect(service).toContain('WHERE (t."order") <= ($1::bigint)');
    expect(renderBoundaries(sides.legacy, 100)).toContain('FROM "Billing Data"."Invoices" AS src');
  });
});
