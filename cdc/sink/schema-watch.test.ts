import { createSchemaWatch } from './schema-watch.ts';
import type { TableBaseline } from './schema-diff.ts';

const baseline: TableBaseline = {
  table: 'shop.products',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'price', type: 'numeric' },
  ],
  mapped: new Set(['id', 'price']),
};
const col = (field: string, source: string) => ({
  field,
  type: 'string',
  parameters: { '__debezium.source.column.type': source },
});
const schema = (cols: object[]) => ({
  type: 'struct',
  fields: [
    { field: 'before', type: 'struct', fields: cols },
    { field: 'after', type: 'struct', fields: cols },
  ],
});
let offset = 0;
const message = (cols: object[], lsn = 100) => ({
  topic: 't',
  partition: 0,
  offset: String(offset++),
  key: null,
  value: Buffer.from(
    JSON.stringify({ schema: schema(cols), payload: { op: 'u', after: {}, source: { lsn } } }),
  ),
});
const base = [col('id', 'INT8'), col('price', 'NUMERIC')];

describe('schema watch', () => {
  it('sees nothing while the schema is the compiled one', () => {
    const watch = createSchemaWatch(new Map([['t', baseline]]));
    expect(watch.check(message(base))).toEqual({ changes: [], fresh: [] });
    expect(watch.check(message(base))).toEqual({ changes: [], fresh: [] });
  });

  it('reports a change once, with the position and LSN it was first seen at, then keeps it', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    const watch = createSchemaWatch(new Map([['t', baseline]]), () => at);
    watch.check(message(base));
    const changed = [col('id', 'INT8'), col('price', 'TEXT')];
    const first = message(changed, 4242);
    const seen = watch.check(first);
    expect(seen.fresh).toHaveLength(1);
    expect(seen.fresh[0]).toMatchObject({
      description: 'shop.products.price changed numeric → text',
      breaking: true,
      lsn: '4242',
      seenAt: at,
      position: { topic: 't', partition: 0, offset: first.offset },
    });
    const again = watch.check(message(changed, 4300));
    expect(again.fresh).toEqual([]);
    expect(again.changes).toEqual(seen.changes);
    // back and forth: a schema already reported is not reported again
    watch.check(message(base));
    expect(watch.check(message(changed)).fresh).toEqual([]);
  });

  it('ignores topics it has no baseline for and messages without a schema', () => {
    const watch = createSchemaWatch(new Map([['t', baseline]]));
    expect(watch.check({ ...message(base), topic: 'other' }).changes).toEqual([]);
    expect(watch.check({ ...message(base), value: Buffer.from('{"op":"c"}') }).changes).toEqual([]);
    expect(watch.check({ ...message(base), value: null }).changes).toEqual([]);
  });
});
