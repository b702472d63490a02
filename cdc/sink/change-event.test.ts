import { PoisonEventError, parseMessage } from './change-event.ts';
import { rawMessage, type ColumnSpec } from '../../test-support/debezium-message.ts';

const columns: Record<string, ColumnSpec> = {
  id: { type: 'int64' },
  price: { type: 'string' },
  created_at: { type: 'int64', name: 'io.debezium.time.MicroTimestamp' },
  born: { type: 'int32', name: 'io.debezium.time.Date' },
  stamp: { type: 'string', name: 'io.debezium.time.ZonedTimestamp' },
  doc: { type: 'string', name: 'io.debezium.data.Json' },
  blob: { type: 'bytes' },
};

describe('parseMessage', () => {
  it('parses a create with logical types decoded for PostgreSQL', () => {
    const parsed = parseMessage(
      rawMessage(
        7,
        {
          op: 'c',
          key: { id: 1 },
          after: {
            id: 1,
            price: '12.50',
            created_at: 1_700_000_000_123_456,
            born: 19_000,
            stamp: '2024-01-02T03:04:05.6Z',
            doc: '{"a":1}',
            blob: 'AQI=',
          },
          lsn: 123,
          txId: 77,
        },
        columns,
      ),
    );
    expect(parsed).toMatchObject({ kind: 'change', op: 'c', offset: '7', lsn: 123n, txId: 77 });
    if (parsed.kind !== 'change') throw new Error('expected a change');
    expect(JSON.parse(parsed.row.toString())).toEqual({
      id: 1,
      price: '12.50',
      created_at: '2023-11-14T22:13:20.123456',
      born: '2022-01-08',
      stamp: '2024-01-02T03:04:05.6Z',
      doc: '{"a":1}',
      blob: '\\x0102',
    });
  });

  it('takes a delete key from before and the message key', () => {
    const parsed = parseMessage(
      rawMessage(1, { op: 'd', key: { id: 5 }, before: { id: 5, price: null } }, columns),
    );
    expect(parsed).toMatchObject({ kind: 'change', op: 'd' });
    if (parsed.kind !== 'change') throw new Error('expected a change');
    expect(JSON.parse(parsed.row.toString())).toEqual({ id: 5, price: null });
  });

  it('sends a row that needs no decoding as Debezium wrote it, every digit kept', () => {
    const plain = { id: { type: 'int64' }, name: { type: 'string' } };
    const message = rawMessage(3, { op: 'r', key: { id: 1 }, after: { id: 1, name: 'ä' } }, plain);
    // an id past 2^53, which a JSON.parse would round
    const big = '9007199254740993';
    const value = Buffer.from(message.value!.toString().replaceAll('"id":1', `"id":${big}`));
    const key = Buffer.from(message.key!.toString().replaceAll('"id":1', `"id":${big}`));
    const parsed = parseMessage({ ...message, key, value }, { keyColumns: ['id'], table: 't' });
    if (parsed.kind !== 'change') throw new Error('expected a change');
    expect(parsed.row.toString()).toBe(`{"id":${big},"name":"ä"}`);
    expect(parsed.row.buffer).toBe(value.buffer); // a view into the message, not a copy
    expect(parsed.keyId).toBe(`[${big}]`);
  });

  it('keeps every digit of integers past 2^53 where the row is parsed (decoded rows, deletes)', () => {
    const cols = {
      id: { type: 'int64' },
      born: { type: 'int32', name: 'io.debezium.time.Date' },
      counts: { type: 'array', items: { type: 'int64' } },
    };
    const big = '9223372036854775807';
    const swap = (b: Buffer | null) =>
      Buffer.from(
        b!.toString().replaceAll('"id":1', `"id":${big}`).replaceAll('[2,3]', `[${big},3]`),
      );
    const create = rawMessage(
      1,
      { op: 'c', key: { id: 1 }, after: { id: 1, born: 0, counts: [2, 3] } },
      cols,
    );
    const parsed = parseMessage({ ...create, key: swap(create.key), value: swap(create.value) });
    if (parsed.kind !== 'change') throw new Error('expected a change');
    expect(parsed.row.toString()).toBe(`{"id":${big},"born":"1970-01-01","counts":[${big},3]}`);
    expect(parsed.keyId).toBe(`[${big}]`);
    const del = rawMessage(2, { op: 'd', key: { id: 1 }, before: { id: 1 } }, cols);
    const gone = parseMessage({ ...del, key: swap(del.key), value: swap(del.value) });
    if (gone.kind !== 'change') throw new Error('expected a change');
    expect(gone.row.toString()).toBe(`{"id":${big}}`);
    expect(gone.keyId).toBe(parsed.keyId);
  });

  it('decodes arrays of logical types and intervals in microseconds', () => {
    const cols = {
      id: { type: 'int64' },
      days: { type: 'array', items: { type: 'int32', name: 'io.debezium.time.Date' } },
      blobs: { type: 'array', items: { type: 'bytes' } },
      wait: { type: 'int64', name: 'io.debezium.time.MicroDuration' },
    };
    const after = { id: 1, days: [0, null], blobs: ['AQI='], wait: 3_600_000_000 };
    const parsed = parseMessage(rawMessage(1, { op: 'c', key: { id: 1 }, after }, cols));
    if (parsed.kind !== 'change') throw new Error('expected a change');
    expect(JSON.parse(parsed.row.toString())).toEqual({
      id: 1,
      days: ['1970-01-01', null],
      blobs: ['\\x0102'],
      wait: '1:00:00.000000',
    });
  });

  it('a row without a value for a key column of the target is poison that names them', () => {
    const message = rawMessage(5, { op: 'c', key: { id: 1 }, after: { id: 1 } }, columns);
    expect(() => parseMessage(message, { keyColumns: ['sku'], table: 'public.items' })).toThrow(
      'the row has no value for key column(s) sku of public.items',
    );
  });

  it('treats a null value as a tombstone and op t as a truncate', () => {
    expect(
      parseMessage({ topic: 't', partition: 0, offset: '3', key: Buffer.from('{}'), value: null })
        .kind,
    ).toBe('tombstone');
    expect(parseMessage(rawMessage(4, { op: 't' }, columns)).kind).toBe('truncate');
  });

  it('same key, same identity, whatever the field order', () => {
    const a = parseMessage(
      rawMessage(1, { op: 'c', key: { a: 1, b: 2 }, after: { a: 1, b: 2 } }, {}),
    );
    const b = parseMessage(
      rawMessage(2, { op: 'u', key: { b: 2, a: 1 }, after: { a: 1, b: 2 } }, {}),
    );
    expect(a.kind === 'change' && b.kind === 'change' && a.keyId === b.keyId).toBe(true);
  });

  it.each([
    [
      { topic: 't', partition: 0, offset: '9', key: null, value: Buffer.from('{not json') },
      'value is not valid JSON',
    ],
    [
      rawMessage(9, { op: 'c', after: { id: 1 } }, columns),
      "message has no key: its table has neither a primary key nor a unique key on the plan's key (`ficus check`",
    ],
    [
      rawMessage(9, { op: 'x' as 'c', key: { id: 1 }, after: { id: 1 } }, columns),
      'unknown op "x"',
    ],
    [rawMessage(9, { op: 'u', key: { id: 1 } }, columns), 'op u without an after row'],
    [
      rawMessage(9, { op: 'c', key: { id: 1 }, after: { id: 1, doc: '{broken' } }, columns),
      'a value cannot be decoded',
    ],
  ])('rejects poison with the reason and where it is (%#)', (message, reason) => {
    let error: unknown;
    try {
      parseMessage(message);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PoisonEventError);
    expect((error as PoisonEventError).reason).toContain(reason);
    expect((error as PoisonEventError).message).toContain('t[0]@9');
  });
});

describe('parseMessage: unchanged TOASTed values (__debezium_unavailable_value)', () => {
  const P = '__debezium_unavailable_value';
  const cols: Record<string, ColumnSpec> = {
    id: { type: 'int64' },
    title: { type: 'string' },
    body: { type: 'string' },
    doc: { type: 'string', name: 'io.debezium.data.Json' },
    photo: { type: 'bytes' },
    tags: { type: 'array', items: { type: 'string' } },
    counts: { type: 'array', items: { type: 'int32' } },
    days: { type: 'array', items: { type: 'int32', name: 'io.debezium.time.Date' } },
    ids: { type: 'array', items: { type: 'string', name: 'io.debezium.data.Uuid' } },
    blobs: { type: 'array', items: { type: 'bytes' } },
  };
  const asInts = [...Buffer.from(P)];
  const target = { keyColumns: ['id'], table: 'public.docs' };
  const parse = (op: 'u' | 'c', after: Record<string, unknown>, columns = cols) => {
    const parsed = parseMessage(rawMessage(1, { op, key: { id: 1 }, after }, columns), target);
    if (parsed.kind !== 'change') throw new Error('expected a change');
    return { row: JSON.parse(parsed.row.toString()), unchanged: parsed.unchanged };
  };

  it('an update leaves them out of the row and names them, whatever shape Debezium gave them', () => {
    const parsed = parse('u', {
      id: 1,
      title: 'new',
      body: P,
      doc: P,
      photo: Buffer.from(P).toString('base64'),
      tags: [P],
      counts: asInts,
      days: asInts,
      ids: ['b68a35a7-17ad-35b3-af2a-ae46edb4545a'], // UUID.nameUUIDFromBytes of the placeholder
      blobs: [Buffer.from(P).toString('base64')],
    });
    expect(parsed.row).toEqual({ id: 1, title: 'new' });
    expect(parsed.unchanged).toEqual([
      'blobs',
      'body',
      'counts',
      'days',
      'doc',
      'ids',
      'photo',
      'tags',
    ]);
  });

  it('is found in a row that needs no decoding too (taken as Debezium wrote it otherwise)', () => {
    const plain = { id: cols.id, title: cols.title, body: cols.body, counts: cols.counts };
    expect(parse('u', { id: 1, title: 't', body: P, counts: [1] }, plain)).toEqual({
      row: { id: 1, title: 't', counts: [1] },
      unchanged: ['body'],
    });
    expect(parse('u', { id: 1, title: 't', body: 'b', counts: asInts }, plain).unchanged).toEqual([
      'counts',
    ]);
    expect(
      parse('u', { id: 1, title: 't', body: 'b', counts: [1] }, plain).unchanged,
    ).toBeUndefined();
  });

  it('an insert sends every value: nothing is left out', () => {
    expect(parse('c', { id: 1, title: P, body: 'x' })).toEqual({
      row: { id: 1, title: P, body: 'x' },
      unchanged: undefined,
    });
  });

  it('an update without its key value is poison', () => {
    const keyed = { id: { type: 'string' }, body: { type: 'string' } };
    const message = rawMessage(
      4,
      { op: 'u', key: { id: 'k' }, after: { id: P, body: 'x' } },
      keyed,
    );
    expect(() => parseMessage(message, target)).toThrow('no value for key column(s) id');
  });
});
