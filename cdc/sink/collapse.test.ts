import type { RowChange } from './change-event.ts';
import { collapse } from './collapse.ts';

let offset = 0;
const row = (c: RowChange) => JSON.parse(c.row.toString());
const change = (op: RowChange['op'], id: number, v?: string): RowChange => ({
  kind: 'change',
  op,
  keyId: String(id),
  row: Buffer.from(JSON.stringify({ id, v })),
  topic: 't',
  partition: 0,
  offset: String(offset++),
  lsn: null,
  txId: null,
});

const partial = (id: number, row: Record<string, unknown>, unchanged: string[]): RowChange => ({
  ...change('u', id),
  row: Buffer.from(JSON.stringify({ id, ...row })),
  unchanged,
});

describe('collapse', () => {
  it("an update that left values out takes them from the same key's earlier upsert", () => {
    const result = collapse([
      {
        ...change('c', 1),
        row: Buffer.from('{"id":1,"v":"a","body":"long","n":9007199254740993}'),
      },
      partial(1, { v: 'b', n: 1 }, ['body']),
      partial(2, { v: 'c' }, ['body']),
    ]);
    expect(result.upserts.map((c) => [c.row.toString(), c.unchanged])).toEqual([
      ['{"id":1,"v":"b","n":1,"body":"long"}', undefined],
      ['{"id":2,"v":"c"}', ['body']],
    ]);
  });

  it('what neither change sent stays left out; after a delete nothing is taken', () => {
    const twice = collapse([
      partial(1, { v: 'a', doc: 1 }, ['body']),
      partial(1, { v: 'b' }, ['body', 'doc']),
    ]);
    expect(twice.upserts.map((c) => [row(c), c.unchanged])).toEqual([
      [{ id: 1, v: 'b', doc: 1 }, ['body']],
    ]);
    const afterDelete = collapse([change('d', 1), partial(1, { v: 'b' }, ['body'])]);
    expect(afterDelete.upserts.map((c) => c.unchanged)).toEqual([['body']]);
  });

  it('keeps the last change per key, in order of the final changes', () => {
    const result = collapse([
      change('c', 1, 'a'),
      change('c', 2, 'b'),
      change('u', 1, 'a2'),
      change('d', 2),
      change('r', 3, 'c'),
    ]);
    expect(result.truncateFirst).toBe(false);
    expect(result.upserts.map(row)).toEqual([
      { id: 1, v: 'a2' },
      { id: 3, v: 'c' },
    ]);
    expect(result.deletes.map((c) => row(c).id)).toEqual([2]);
  });

  it('a create after a delete of the same key is an upsert', () => {
    const result = collapse([change('d', 1), change('c', 1, 'again')]);
    expect(result.upserts.map((c) => row(c).v)).toEqual(['again']);
    expect(result.deletes).toEqual([]);
  });

  it('a truncate wipes what came before it and is applied first', () => {
    const result = collapse([change('c', 1, 'gone'), { kind: 'truncate' }, change('c', 2, 'kept')]);
    expect(result.truncateFirst).toBe(true);
    expect(result.upserts.map((c) => row(c).id)).toEqual([2]);
  });
});
