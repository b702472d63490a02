import { compileTableMapping } from '../../plan/mapping.ts';
import { buildTableWriter } from './table-writer.ts';

const compiled = compileTableMapping(
  {
    source: 'products',
    target: 'products',
    key: ['id'],
    columns: {
      id: { target: 'id' },
      name: { target: 'title' },
      price: { target: 'price_cents', type: 'cents' },
    },
  },
  [
    { name: 'id', type: 'bigint' },
    { name: 'name', type: 'text' },
    { name: 'price', type: 'numeric(12,2)' },
  ],
);

describe('buildTableWriter', () => {
  it('forward: the mapping upsert, guarded so that identical rows are not written again', () => {
    const w = buildTableWriter(compiled, 'forward', 'ficus.catalog.public.products');
    expect(w.upsertSql).toContain('INSERT INTO "public"."products" ("id", "title", "price_cents")');
    expect(w.upsertSql).toContain('round(src."price" * 100)::bigint');
    expect(w.upsertSql).toMatch(
      /WHERE ROW\("public"\."products"\."title", "public"\."products"\."price_cents"\) IS DISTINCT FROM ROW\(EXCLUDED\."title", EXCLUDED\."price_cents"\)$/,
    );
    expect(w.keyColumns).toEqual(['id']);
    expect(w.truncateSql).toBe('TRUNCATE "public"."products"');
    expect(w.table).toBe('public.products');
  });

  it('reverse: staged rows carry target columns, written back through the inverse mapping', () => {
    const w = buildTableWriter(compiled, 'reverse', 'ficus.catalog.reverse.public.products');
    expect(w.keyColumns).toEqual(['id']);
    expect(w.upsertSql).toContain('INSERT INTO "public"."products" ("id", "name", "price")');
    expect(w.upsertSql).toContain('(tgt."price_cents"::numeric / 100)::numeric(12,2)');
    expect(w.deleteSql).toContain('DELETE FROM "public"."products"');
  });

  it('an update that left columns out: read back from the target row, the rest as usual', () => {
    const withDerived = compileTableMapping(
      {
        source: 'docs',
        target: 'docs',
        key: ['id'],
        drop: ['secret'],
        derived: { body_length: 'length(body)', secret_length: 'length(secret)' },
      },
      [
        { name: 'id', type: 'bigint' },
        { name: 'body', type: 'text' },
        { name: 'secret', type: 'text' },
        { name: 'title', type: 'text' },
      ],
    );
    const w = buildTableWriter(withDerived, 'forward', 'ficus.docs.public.docs');
    const sql = w.partialUpdateSql(['body', 'secret'])!;
    // the left-out body comes back from the target row through the inverse mapping …
    expect(sql).toContain('(tgt."body")::text AS "body"');
    expect(sql).toContain('JOIN "public"."docs" AS tgt ON tgt."id" = src."id"');
    // … so the derived column reading it is computed; the one reading a dropped column is kept
    expect(sql).toContain('(length(body)) AS "body_length"');
    expect(sql).not.toContain('secret_length');
    expect(sql).toContain('NULL)::text AS "secret"');
    expect(sql).toMatch(/SELECT "ficus_row" AS n FROM staged WHERE "ficus_row" NOT IN/);
    expect(w.partialUpdateSql(['body', 'secret'])).toBe(sql); // built once per set
    expect(w.partialUpdateSql(['not_staged'])).toBeNull();
  });

  it('reverse: a left-out target column is what the forward mapping makes of the legacy row', () => {
    const w = buildTableWriter(compiled, 'reverse', 'ficus.catalog.reverse.public.products');
    const sql = w.partialUpdateSql(['title'])!;
    expect(sql).toContain('(src."name")::text AS "title"');
    expect(sql).toContain('UPDATE "public"."products" AS src SET "name" = found."name"');
  });
});
