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
      doc: { a: 1 },
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
    expect(parsed.keyId).toBe(`[${big}]`.replace(big, String(Number(big))));
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
    [rawMessage(9, { op: 'c', after: { id: 1 } }, columns), 'message has no key'],
    [
      rawMessage(9, { op: 'x' as 'c', key: { id: 1 }, after: { id: 1 } }, columns),
      'unknown op "x"',
    ],
    [rawMessage(9, { op: 'u', key: { id: 1 } }, columns), 'op u without an after row'],
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
