import { FicusError } from '../../lib/errors.ts';
import {
  controlBatch,
  fetched,
  recordBatch,
  type Codec,
  type RecordSpec,
} from '../../test-support/record-batch-builder.ts';
import {
  decodeRecordBatches,
  UnreadableRecordsError,
  type KafkaMessage,
} from './record-batches.ts';

/** What a message says, in a form `toEqual` compares plainly. */
const plain = (m: KafkaMessage) => ({
  offset: m.offset,
  key: m.key === null ? null : m.key.toString(),
  value: m.value === null ? null : m.value.toString(),
});
const offsets = (ms: KafkaMessage[]) => ms.map((m) => m.offset);

/** Records numbered from `from`: key k<n>, value v<n>. */
const numbered = (from: number, count: number): RecordSpec[] =>
  Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}` }));

const catching = (work: () => unknown): unknown => {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
};

describe('decodeRecordBatches', () => {
  it('decodes keys, values and null keys and values, with offsets as strings', () => {
    const long = 'x'.repeat(300); // lengths of more than one varint byte
    const part = fetched([
      recordBatch({
        baseOffset: 0n,
        records: [
          { key: 'a', value: 'first', headers: [['trace', 'abc']] },
          { key: null, value: 'no key' },
          { key: 'tombstone', value: null },
          { key: '', value: long },
        ],
      }),
      recordBatch({ baseOffset: 4n, records: [{ key: 'b', value: 'second batch' }] }),
    ]);
    const { messages, nextOffset, truncatedBatchBytes } = decodeRecordBatches(part, 0n);
    expect(messages.map(plain)).toEqual([
      { offset: '0', key: 'a', value: 'first' },
      { offset: '1', key: null, value: 'no key' },
      { offset: '2', key: 'tombstone', value: null },
      { offset: '3', key: '', value: long },
      { offset: '4', key: 'b', value: 'second batch' },
    ]);
    expect(messages.every((m) => m.topic === 'orders' && m.partition === 3)).toBe(true);
    expect(messages[3].key).toEqual(Buffer.alloc(0));
    expect(nextOffset).toBe(5n);
    expect(truncatedBatchBytes).toBe(0);
  });

  it('gives offsets past 2^53 exactly', () => {
    const base = 2n ** 62n;
    const part = fetched(recordBatch({ baseOffset: base, records: numbered(0, 4) }));
    const { messages, nextOffset } = decodeRecordBatches(part, base + 2n);
    expect(offsets(messages)).toEqual([String(base + 2n), String(base + 3n)]);
    expect(nextOffset).toBe(base + 4n);
  });

  it('leaves out the records below the fetch offset of a batch that starts before it', () => {
    const part = fetched([
      recordBatch({ baseOffset: 10n, records: numbered(10, 5) }),
      recordBatch({ baseOffset: 15n, records: numbered(15, 2) }),
    ]);
    const { messages, nextOffset } = decodeRecordBatches(part, 12n);
    expect(messages.map(plain)).toEqual([
      { offset: '12', key: 'k12', value: 'v12' },
      { offset: '13', key: 'k13', value: 'v13' },
      { offset: '14', key: 'k14', value: 'v14' },
      { offset: '15', key: 'k15', value: 'v15' },
      { offset: '16', key: 'k16', value: 'v16' },
    ]);
    expect(nextOffset).toBe(17n);
  });

  it('follows offset gaps left by compaction', () => {
    const part = fetched(
      recordBatch({
        baseOffset: 20n,
        records: [
          { key: 'a', value: '1', offsetDelta: 0 },
          { key: 'b', value: '2', offsetDelta: 3 },
          { key: 'c', value: '3', offsetDelta: 7 },
        ],
      }),
    );
    const { messages, nextOffset } = decodeRecordBatches(part, 22n);
    expect(offsets(messages)).toEqual(['23', '27']);
    expect(nextOffset).toBe(28n);
  });

  it('stops before a last batch cut short, and gives its size only when no batch came whole', () => {
    const first = recordBatch({ baseOffset: 0n, records: numbered(0, 3) });
    const second = recordBatch({ baseOffset: 3n, records: numbered(3, 3) });
    const cut = recordBatch({ baseOffset: 6n, records: numbered(6, 50) });

    const withWhole = decodeRecordBatches(fetched([first, second, cut.subarray(0, 70)]), 0n);
    expect(offsets(withWhole.messages)).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(withWhole.nextOffset).toBe(6n);
    expect(withWhole.truncatedBatchBytes).toBe(0);

    const alone = decodeRecordBatches(fetched(cut.subarray(0, cut.length - 1)), 6n);
    expect(alone.messages).toEqual([]);
    expect(alone.nextOffset).toBe(6n);
    expect(alone.truncatedBatchBytes).toBe(cut.length);

    // cut inside the offset and length: no size to tell
    const headless = decodeRecordBatches(fetched([first, cut.subarray(0, 10)]), 0n);
    expect(offsets(headless.messages)).toEqual(['0', '1', '2']);
    expect(headless.nextOffset).toBe(3n);
  });

  it('gives the fetch offset back when the fetch brought no records', () => {
    expect(decodeRecordBatches(fetched(Buffer.alloc(0)), 42n)).toEqual({
      messages: [],
      nextOffset: 42n,
      truncatedBatchBytes: 0,
    });
  });

  it.each<Codec>(['gzip', 'zstd'])('reads %s batches as the same messages', (codec) => {
    const records: RecordSpec[] = [
      ...numbered(5, 20),
      { key: null, value: 'v'.repeat(1000) },
      { key: 'gone', value: null },
    ];
    const batches = (c: Codec) => [
      recordBatch({ baseOffset: 5n, records, codec: c }),
      recordBatch({ baseOffset: 27n, records: numbered(27, 3), codec: c }),
    ];
    const plainBatches = batches('none');
    const compressed = batches(codec);
    expect(Buffer.concat(compressed).length).toBeLessThan(Buffer.concat(plainBatches).length);
    const expected = decodeRecordBatches(fetched(plainBatches), 7n);
    const actual = decodeRecordBatches(fetched(compressed), 7n);
    expect(actual.messages.map(plain)).toEqual(expected.messages.map(plain));
    expect(offsets(actual.messages)).toEqual(Array.from({ length: 23 }, (_, i) => String(7 + i)));
    expect(actual.nextOffset).toBe(30n);
  });

  it.each<Codec>(['snappy', 'lz4'])('refuses %s, saying what to set instead', (codec) => {
    const part = fetched([
      recordBatch({ baseOffset: 0n, records: numbered(0, 2) }),
      recordBatch({ baseOffset: 2n, records: numbered(2, 2), codec }),
    ]);
    const error = catching(() => decodeRecordBatches(part, 0n));
    expect(error).toBeInstanceOf(UnreadableRecordsError);
    const e = error as UnreadableRecordsError;
    expect(e.message).toContain(codec);
    expect(e.message).toContain('orders[3]@2');
    expect(e.message).toMatch(/zstd, gzip or none/);
    expect(e.message).toContain('compression.type');
    expect(e.retriable).toBe(false);
    expect(e.details).toMatchObject({ topic: 'orders', partition: 3, offset: '2' });
  });

  describe('transactions (read_committed)', () => {
    const A = 7001n;
    const B = 7002n;

    it("leaves out an aborted transaction's batches and keeps a committed one's", () => {
      const part = fetched(
        [
          recordBatch({
            baseOffset: 0n,
            records: numbered(0, 2),
            transactional: true,
            producerId: A,
          }),
          recordBatch({
            baseOffset: 2n,
            records: numbered(2, 2),
            transactional: true,
            producerId: B,
          }),
          recordBatch({
            baseOffset: 4n,
            records: numbered(4, 1),
            transactional: true,
            producerId: A,
          }),
          controlBatch(5n, A, 'abort'),
          recordBatch({ baseOffset: 6n, records: numbered(6, 1) }), // no transaction
          controlBatch(7n, B, 'commit'),
        ],
        [{ producerId: A, firstOffset: 0n }],
      );
      const { messages, nextOffset } = decodeRecordBatches(part, 0n);
      expect(messages.map(plain)).toEqual([
        { offset: '2', key: 'k2', value: 'v2' },
        { offset: '3', key: 'k3', value: 'v3' },
        { offset: '6', key: 'k6', value: 'v6' },
      ]);
      expect(nextOffset).toBe(8n);
    });

    it('keeps a transaction a producer commits after one it aborted', () => {
      const part = fetched(
        [
          recordBatch({
            baseOffset: 0n,
            records: numbered(0, 2),
            transactional: true,
            producerId: A,
          }),
          controlBatch(2n, A, 'abort'),
          recordBatch({
            baseOffset: 3n,
            records: numbered(3, 2),
            transactional: true,
            producerId: A,
          }),
          controlBatch(5n, A, 'commit'),
          recordBatch({
            baseOffset: 6n,
            records: numbered(6, 1),
            transactional: true,
            producerId: A,
          }),
          controlBatch(7n, A, 'abort'),
        ],
        [
          { producerId: A, firstOffset: 6n },
          { producerId: A, firstOffset: 0n },
        ],
      );
      const { messages, nextOffset } = decodeRecordBatches(part, 0n);
      expect(offsets(messages)).toEqual(['3', '4']);
      expect(nextOffset).toBe(8n);
    });

    it('leaves out an aborted transaction that began before the fetch offset', () => {
      const part = fetched(
        [
          recordBatch({
            baseOffset: 0n,
            records: numbered(0, 3),
            transactional: true,
            producerId: A,
          }),
          recordBatch({
            baseOffset: 3n,
            records: numbered(3, 1),
            transactional: true,
            producerId: A,
          }),
          controlBatch(4n, A, 'abort'),
          recordBatch({ baseOffset: 5n, records: numbered(5, 1) }),
        ],
        [{ producerId: A, firstOffset: 0n }],
      );
      const { messages, nextOffset } = decodeRecordBatches(part, 1n);
      expect(offsets(messages)).toEqual(['5']);
      expect(nextOffset).toBe(6n);
    });

    it('reads compressed transactional batches and control batches', () => {
      const part = fetched(
        [
          recordBatch({
            baseOffset: 0n,
            records: numbered(0, 3),
            transactional: true,
            producerId: A,
            codec: 'gzip',
          }),
          recordBatch({
            baseOffset: 3n,
            records: numbered(3, 3),
            transactional: true,
            producerId: B,
            codec: 'zstd',
          }),
          controlBatch(6n, A, 'abort'),
          controlBatch(7n, B, 'commit'),
        ],
        [{ producerId: A, firstOffset: 0n }],
      );
      const { messages, nextOffset } = decodeRecordBatches(part, 0n);
      expect(offsets(messages)).toEqual(['3', '4', '5']);
      expect(nextOffset).toBe(8n);
    });

    it('never returns control batches, and moves past them', () => {
      const part = fetched([controlBatch(10n, A, 'commit'), controlBatch(11n, B, 'abort')]);
      const { messages, nextOffset } = decodeRecordBatches(part, 10n);
      expect(messages).toEqual([]);
      expect(nextOffset).toBe(12n);
    });

    it('keeps every batch when the broker lists no aborted transactions (read_uncommitted)', () => {
      const part = fetched([
        recordBatch({
          baseOffset: 0n,
          records: numbered(0, 2),
          transactional: true,
          producerId: A,
        }),
        controlBatch(2n, A, 'abort'),
      ]);
      expect(offsets(decodeRecordBatches(part, 0n).messages)).toEqual(['0', '1']);
    });
  });

  it.each([10, -1, 0])('refuses a batch length of %i bytes', (length) => {
    const bad = recordBatch({ baseOffset: 9n, records: numbered(9, 1) });
    bad.writeInt32BE(length, 8);
    const part = fetched([recordBatch({ baseOffset: 8n, records: numbered(8, 1) }), bad]);
    const error = catching(() => decodeRecordBatches(part, 8n));
    expect(error).toBeInstanceOf(UnreadableRecordsError);
    expect((error as FicusError).message).toContain(`a record batch of ${length} bytes`);
    expect((error as FicusError).code).toBe('kafka_unreadable_records');
  });

  it.each([0, 1, 3])('refuses message format v%i', (magic) => {
    const part = fetched(recordBatch({ baseOffset: 0n, records: numbered(0, 1), magic }));
    const error = catching(() => decodeRecordBatches(part, 0n));
    expect(error).toBeInstanceOf(UnreadableRecordsError);
    expect((error as FicusError).message).toContain(`message format v${magic}; ficus reads v2`);
    expect((error as FicusError).details).toMatchObject({ magic });
  });
});
