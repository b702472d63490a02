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
});
