/**
 * Decodes the record batches (message format v2, Kafka 0.11+) of one fetched partition, straight
 * from the fetch answer's buffer: each message's key and value are views into it, nothing is
 * copied or turned into strings but the offset. What a consumer must leave out is left out:
 * records before the fetch offset (a batch is always sent whole), control batches (transaction
 * markers), and the batches of aborted transactions (read_committed). A last batch cut short by
 * the size limit is not decoded; the next fetch starts at it.
 *
 * Compression: gzip and zstd are read with node:zlib; snappy and lz4 are refused with what to
 * set instead (Node has no decoder for them).
 */
import zlib from 'node:zlib';
import { FicusError } from '../../lib/errors.ts';
import type { AbortedTransaction } from './fetch-protocol.ts';

export type KafkaMessage = {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
};

export type DecodedBatches = {
  messages: KafkaMessage[];
  /** where to fetch next: past the last whole batch (the fetch offset when there was none) */
  nextOffset: bigint;
  /** the size of a batch that was cut short, when the fetch got none whole; 0 otherwise */
  truncatedBatchBytes: number;
};

export type FetchedRecords = {
  topic: string;
  partition: number;
  records: Buffer;
  abortedTransactions: AbortedTransaction[];
};

/** Input no consumer can read (a message format or codec): retrying cannot help. */
export class UnreadableRecordsError extends FicusError {
  constructor(message: string, details: Record<string, unknown>) {
    super('kafka_unreadable_records', message, { details });
  }
}

const HEADER = 61; // bytes of a v2 batch header, up to and including the record count
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;
const ABORT_MARKER = 0;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Reads zigzag varints from a buffer, moving along it. */
class Cursor {
  readonly buf: Buffer;
  at: number;
  constructor(buf: Buffer, at: number) {
    this.buf = buf;
    this.at = at;
  }
  varint(): number {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = this.buf[this.at++];
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80 && shift < 35);
    return (value >>> 1) ^ -(value & 1);
  }
  skipVarint(): void {
    while (this.buf[this.at++] & 0x80);
  }
  bytes(): Buffer | null {
    const length = this.varint();
    if (length < 0) return null;
    const view = this.buf.subarray(this.at, this.at + length);
    this.at += length;
    return view;
  }
}

function recordsOf(part: FetchedRecords, batch: Buffer, codec: number, baseOffset: bigint): Buffer {
  if (codec === 0) return batch.subarray(HEADER);
  const compressed = batch.subarray(HEADER);
  if (codec === 1) return zlib.gunzipSync(compressed);
  if (codec === 4) return zlib.zstdDecompressSync(compressed);
  throw new UnreadableRecordsError(
    `${part.topic}[${part.partition}]@${baseOffset}: records compressed with ${CODECS[codec] ?? `codec ${codec}`}, which ficus cannot read; have the producer use zstd, gzip or none (for a Connect source: producer.override.compression.type)`,
    { topic: part.topic, partition: part.partition, offset: String(baseOffset), codec },
  );
}

export function decodeRecordBatches(part: FetchedRecords, fetchOffset: bigint): DecodedBatches {
  const { records, topic, partition } = part;
  const messages: KafkaMessage[] = [];
  const aborted = [...part.abortedTransactions].sort((a, b) =>
    a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
  );
  const abortedProducers = new Set<bigint>();
  let nextAborted = 0;
  let nextOffset = fetchOffset;
  let wholeBatches = 0;
  const firstWanted = Number(fetchOffset);
  let at = 0;
  while (at + 12 <= records.length) {
    const baseOffset = records.readBigInt64BE(at);
    const batchLength = records.readInt32BE(at + 8);
    if (batchLength < HEADER - 12)
      throw new UnreadableRecordsError(
        `${topic}[${partition}]@${baseOffset}: a record batch of ${batchLength} bytes is malformed`,
        { topic, partition, offset: String(baseOffset) },
      );
    const batchEnd = at + 12 + batchLength;
    if (batchEnd > records.length)
      return { messages, nextOffset, truncatedBatchBytes: wholeBatches ? 0 : 12 + batchLength };
    wholeBatches++;
    const magic = records[at + 16];
    if (magic !== 2)
      throw new UnreadableRecordsError(
        `${topic}[${partition}]@${baseOffset}: message format v${magic}; ficus reads v2 (Kafka 0.11 and later)`,
        { topic, partition, offset: String(baseOffset), magic },
      );
    const attributes = records.readInt16BE(at + 21);
    const lastOffset = baseOffset + BigInt(records.readInt32BE(at + 23));
    const producerId = records.readBigInt64BE(at + 43);
    const batch = records.subarray(at, batchEnd);
    at = batchEnd;
    nextOffset = lastOffset + 1n;
    if (lastOffset < fetchOffset) continue;
    if (attributes & TRANSACTIONAL)
      while (nextAborted < aborted.length && aborted[nextAborted].firstOffset <= lastOffset)
        abortedProducers.add(aborted[nextAborted++].producerId);
    if (attributes & CONTROL) {
      // a control batch holds one marker; an abort marker closes that producer's aborted transaction
      if (abortedProducers.has(producerId)) {
        const marker = new Cursor(recordsOf(part, batch, attributes & 7, baseOffset), 0);
        marker.skipVarint(); // record length
        marker.at += 1; // attributes
        marker.skipVarint(); // timestamp delta
        marker.skipVarint(); // offset delta
        const key = marker.bytes();
        if (key && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER)
          abortedProducers.delete(producerId);
      }
      continue;
    }
    if (attributes & TRANSACTIONAL && abortedProducers.has(producerId)) continue;
    const count = batch.readInt32BE(57);
    const cursor = new Cursor(recordsOf(part, batch, attributes & 7, baseOffset), 0);
    const safe = baseOffset <= BigInt(Number.MAX_SAFE_INTEGER - 2 ** 31);
    const base = Number(baseOffset);
    // only a batch that starts before the fetch offset holds records to leave out
    const skipping = baseOffset < fetchOffset;
    for (let i = 0; i < count; i++) {
      const length = cursor.varint();
      const end = cursor.at + length;
      cursor.at += 1; // attributes
      cursor.skipVarint(); // timestamp delta
      const delta = cursor.varint();
      const offset = safe ? String(base + delta) : String(baseOffset + BigInt(delta));
      const key = cursor.bytes();
      const value = cursor.bytes();
      cursor.at = end; // headers: not used
      // past 2^53 a number cannot tell neighbouring offsets apart: compare them as bigints
      if (
        skipping &&
        (safe ? base + delta < firstWanted : baseOffset + BigInt(delta) < fetchOffset)
      )
        continue;
      messages.push({ topic, partition, offset, key, value });
    }
  }
  return { messages, nextOffset, truncatedBatchBytes: 0 };
}
