/**
 * Builds Kafka record batches (message format v2) the way a producer or a broker writes them, so
 * that the decoder's tests read real bytes, not the decoder's own idea of them. Test support only.
 *
 *   const part = fetched(recordBatch({ baseOffset: 0n, records: [{ key: 'k', value: 'v' }] }));
 *   decodeRecordBatches(part, 0n);
 */
import zlib from 'node:zlib';
import type { AbortedTransaction } from '../cdc/kafka/fetch-protocol.ts';
import type { FetchedRecords } from '../cdc/kafka/record-batches.ts';

export type Codec = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export type RecordSpec = {
  key: Buffer | string | null;
  value: Buffer | string | null;
  /** the record's offset is the batch's base offset plus this; its index in the batch otherwise */
  offsetDelta?: number;
  headers?: [string, Buffer | string][];
};

export type BatchSpec = {
  baseOffset: bigint;
  records: RecordSpec[];
  codec?: Codec;
  transactional?: boolean;
  producerId?: bigint;
  /** anything but 2 makes a batch no v2 reader may accept */
  magic?: number;
};

const CODEC_BITS: Record<Codec, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const BASE_TIMESTAMP = 1_700_000_000_000n;

/** A zigzag varint (varlong: the same encoding, wider), as records write their fields. */
export function varint(n: number | bigint): Buffer {
  const v = BigInt(n);
  let zigzag = v >= 0n ? v << 1n : (-v << 1n) - 1n;
  const bytes: number[] = [];
  do {
    const low = Number(zigzag & 0x7fn);
    zigzag >>= 7n;
    bytes.push(zigzag > 0n ? low | 0x80 : low);
  } while (zigzag > 0n);
  return Buffer.from(bytes);
}

const bytesOf = (b: Buffer | string | null) => (typeof b === 'string' ? Buffer.from(b) : b);

function lengthPrefixed(b: Buffer | string | null): Buffer[] {
  const data = bytesOf(b);
  return data === null ? [varint(-1)] : [varint(data.length), data];
}

function encodeRecord(record: RecordSpec, index: number): Buffer {
  const headers = record.headers ?? [];
  const body = Buffer.concat([
    Buffer.from([0]), // attributes: unused
    varint(index * 10), // timestamp delta
    varint(record.offsetDelta ?? index),
    ...lengthPrefixed(record.key),
    ...lengthPrefixed(record.value),
    varint(headers.length),
    ...headers.flatMap(([name, value]) => [...lengthPrefixed(name), ...lengthPrefixed(value)]),
  ]);
  return Buffer.concat([varint(body.length), body]);
}

function compress(codec: Codec, records: Buffer): Buffer {
  if (codec === 'gzip') return zlib.gzipSync(records);
  if (codec === 'zstd') return zlib.zstdCompressSync(records);
  // Node cannot write snappy or lz4; the decoder must refuse them before reading the records
  return records;
}

function batch(spec: BatchSpec, attributes: number): Buffer {
  const codec = spec.codec ?? 'none';
  const lastOffsetDelta = Math.max(0, ...spec.records.map((r, i) => r.offsetDelta ?? i));
  const records = compress(codec, Buffer.concat(spec.records.map(encodeRecord)));
  const header = Buffer.alloc(61);
  let at = header.writeBigInt64BE(spec.baseOffset, 0);
  at = header.writeInt32BE(61 - 12 + records.length, at); // batch length: after this field
  at = header.writeInt32BE(0, at); // partition leader epoch
  at = header.writeInt8(spec.magic ?? 2, at);
  at = header.writeUInt32BE(0, at); // crc: not checked by the decoder
  at = header.writeInt16BE(attributes | CODEC_BITS[codec], at);
  at = header.writeInt32BE(lastOffsetDelta, at);
  at = header.writeBigInt64BE(BASE_TIMESTAMP, at);
  at = header.writeBigInt64BE(BASE_TIMESTAMP + BigInt(lastOffsetDelta * 10), at);
  at = header.writeBigInt64BE(spec.producerId ?? -1n, at);
  at = header.writeInt16BE(spec.producerId === undefined ? -1 : 0, at); // producer epoch
  at = header.writeInt32BE(spec.producerId === undefined ? -1 : 0, at); // base sequence
  header.writeInt32BE(spec.records.length, at);
  return Buffer.concat([header, records]);
}

export function recordBatch(spec: BatchSpec): Buffer {
  return batch(spec, spec.transactional ? TRANSACTIONAL : 0);
}

/** The one-record batch a transaction coordinator writes to end a transaction. */
export function controlBatch(baseOffset: bigint, producerId: bigint, type: 'abort' | 'commit') {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0); // version
  key.writeInt16BE(type === 'abort' ? 0 : 1, 2);
  const value = Buffer.alloc(6); // version int16, coordinator epoch int32
  return batch({ baseOffset, producerId, records: [{ key, value }] }, TRANSACTIONAL | CONTROL);
}

/** One partition's records as a fetch answer carries them. */
export function fetched(
  records: Buffer | Buffer[],
  abortedTransactions: AbortedTransaction[] = [],
): FetchedRecords {
  const joined = Array.isArray(records) ? Buffer.concat(records) : records;
  return { topic: 'orders', partition: 3, records: joined, abortedTransactions };
}
