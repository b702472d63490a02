import {
  describeChange,
  diffColumns,
  isBreaking,
  typeName,
  type TableBaseline,
} from './schema-diff.ts';
import type { FieldSchema } from './decode-value.ts';

const baseline: TableBaseline = {
  table: 'shop.products',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'price', type: 'numeric(10,2)' },
    { name: 'note', type: 'text' },
  ],
  mapped: new Set(['id', 'price']),
};
const src = (field: string, type: string, source?: string): FieldSchema => ({
  field,
  type,
  ...(source ? { parameters: { '__debezium.source.column.type': source } } : {}),
});
const same = [
  src('id', 'int64', 'INT8'),
  src('price', 'string', 'NUMERIC'),
  src('note', 'string', 'TEXT'),
];

describe('typeName', () => {
  it('turns format_type text into the PostgreSQL type name Debezium propagates', () => {
    expect(typeName('numeric(10,2)')).toBe('numeric');
    expect(typeName('character varying(255)')).toBe('varchar');
    expect(typeName('timestamp(3) with time zone')).toBe('timestamptz');
    expect(typeName('integer[]')).toBe('_int4');
    expect(typeName('shop."Mood"')).toBe('mood');
  });
});

describe('diffColumns', () => {
  it('finds nothing when the event has the compiled columns and types', () => {
    expect(diffColumns(baseline, same)).toEqual([]);
  });

  it('takes serial, bigserial and smallserial for the integers they are (no false type change)', () => {
    const serials: TableBaseline = {
      table: 'app.customers',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'big', type: 'bigint' },
        { name: 'small', type: 'smallint' },
      ],
      mapped: new Set(['id', 'big', 'small']),
    };
    const row = [
      src('id', 'int32', 'SERIAL'),
      src('big', 'int64', 'BIGSERIAL'),
      src('small', 'int16', 'SMALLSERIAL'),
    ];
    expect(diffColumns(serials, row)).toEqual([]);
  });

  it('reports an added column as not mapped, and not breaking', () => {
    const changes = diffColumns(baseline, [...same, src('colour', 'string', 'TEXT')]);
    expect(changes).toEqual([{ kind: 'added', column: 'colour', mapped: false }]);
    expect(changes.every(isBreaking)).toBe(false);
    expect(describeChange('products', changes[0])).toBe('products.colour added (not mapped)');
  });

  it('reports a mapped type change from the propagated source type', () => {
    const row = [same[0], src('price', 'string', 'TEXT'), same[2]];
    const [change] = diffColumns(baseline, row);
    expect(change).toEqual({
      kind: 'type changed',
      column: 'price',
      from: 'numeric(10,2)',
      to: 'text',
      mapped: true,
    });
    expect(isBreaking(change)).toBe(true);
    expect(describeChange('products', change)).toBe('products.price changed numeric(10,2) → text');
  });

  it('without the source type, compares the Connect type with the first schema seen', () => {
    const first = [src('id', 'int64'), src('price', 'string'), src('note', 'string')];
    expect(diffColumns(baseline, first, first)).toEqual([]);
    const row = [src('id', 'int64'), src('price', 'double'), src('note', 'string')];
    expect(diffColumns(baseline, row, first)).toMatchObject([
      { kind: 'type changed', column: 'price', from: 'string', to: 'double', mapped: true },
    ]);
  });

  it('reports one drop with one add as a possible rename, breaking when the column is mapped', () => {
    const row = [same[0], src('cost', 'string', 'NUMERIC'), same[2]];
    const [change] = diffColumns(baseline, row);
    expect(change).toMatchObject({ kind: 'renamed', column: 'price', from: 'price', to: 'cost' });
    expect(isBreaking(change)).toBe(true);
    expect(describeChange('products', change)).toContain('renamed?');
  });

  it('reports drops: a mapped one breaks, an unmapped one does not', () => {
    const changes = diffColumns(baseline, [same[0]]);
    expect(changes.map((c) => [c.kind, c.column, isBreaking(c)])).toEqual([
      ['dropped', 'price', true],
      ['dropped', 'note', false],
    ]);
  });
});
