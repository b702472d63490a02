/**
 * The two requests ficus's fetcher sends, in Kafka's binary protocol: Fetch v11 (KIP-392; served
 * by brokers from Kafka 2.3 through 4.x) and ApiVersions v0 (to say clearly when a broker cannot
 * serve that Fetch). Pure encoding and decoding; the records themselves are decoded by
 * record-batches.ts, straight from the answer's buffer.
 */
export const FETCH_VERSION = 11;

export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export type FetchPartitionRequest = {
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
};

export type FetchRequest = {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolation: IsolationLevel;
  topics: { topic: string; partitions: FetchPartitionRequest[] }[];
};

export function encodeFetchRequest(request: FetchRequest): Buffer {
  const names = request.topics.map((t) => Buffer.from(t.topic));
  let size = 4 * 4 + 1 + 4 + 4 + 4 + 4 + 2; // fixed fields, the two arrays' sizes, rack id
  request.topics.forEach((t, i) => (size += 2 + names[i].length + 4 + t.partitions.length * 28));
  const out = Buffer.allocUnsafe(size);
  let at = out.writeInt32BE(-1, 0); // replica id: a consumer
  at = out.writeInt32BE(request.maxWaitMs, at);
  at = out.writeInt32BE(request.minBytes, at);
  at = out.writeInt32BE(request.maxBytes, at);
  at = out.writeInt8(request.isolation === 'read_committed' ? 1 : 0, at);
  at = out.writeInt32BE(0, at); // session id: no fetch session
  at = out.writeInt32BE(-1, at); // session epoch
  at = out.writeInt32BE(request.topics.length, at);
  request.topics.forEach((t, i) => {
    at = out.writeInt16BE(names[i].length, at);
    at += names[i].copy(out, at);
    at = out.writeInt32BE(t.partitions.length, at);
    for (const p of t.partitions) {
      at = out.writeInt32BE(p.partition, at);
      at = out.writeInt32BE(-1, at); // current leader epoch: not checked
      at = out.writeBigInt64BE(p.fetchOffset, at);
      at = out.writeBigInt64BE(-1n, at); // log start offset: a consumer has none
      at = out.writeInt32BE(p.maxBytes, at);
    }
  });
  at = out.writeInt32BE(0, at); // forgotten topics
  out.writeInt16BE(0, at); // rack id ''
  return out;
}

export type AbortedTransaction = { producerId: bigint; firstOffset: bigint };

export type FetchedPartition = {
  topic: string;
  partition: number;
  errorCode: number;
  highWatermark: bigint;
  logStartOffset: bigint;
  abortedTransactions: AbortedTransaction[];
  /** the record batches, a view into the answer; empty when none */
  records: Buffer;
};

export type FetchResponse = { errorCode: number; partitions: FetchedPartition[] };

export function decodeFetchResponse(body: Buffer): FetchResponse {
  let at = 4; // throttle time
  const errorCode = body.readInt16BE(at);
  at += 2 + 4; // session id
  const partitions: FetchedPartition[] = [];
  const topics = body.readInt32BE(at);
  at += 4;
  for (let t = 0; t < topics; t++) {
    const nameLength = body.readInt16BE(at);
    const topic = body.toString('utf8', at + 2, at + 2 + nameLength);
    at += 2 + nameLength;
    const count = body.readInt32BE(at);
    at += 4;
    for (let p = 0; p < count; p++) {
      const partition = body.readInt32BE(at);
      const partitionError = body.readInt16BE(at + 4);
      const highWatermark = body.readBigInt64BE(at + 6);
      const logStartOffset = body.readBigInt64BE(at + 22);
      at += 30;
      const aborted = body.readInt32BE(at);
      at += 4;
      const abortedTransactions: AbortedTransaction[] = [];
      for (let i = 0; i < aborted; i++, at += 16)
        abortedTransactions.push({
          producerId: body.readBigInt64BE(at),
          firstOffset: body.readBigInt64BE(at + 8),
        });
      at += 4; // preferred read replica
      const length = body.readInt32BE(at);
      at += 4;
      const records = body.subarray(at, at + Math.max(0, length));
      at += Math.max(0, length);
      partitions.push({
        topic,
        partition,
        errorCode: partitionError,
        highWatermark,
        logStartOffset,
        abortedTransactions,
        records,
      });
    }
  }
  return { errorCode, partitions };
}

/** The versions of each API a broker serves (ApiVersions v0: an empty request). */
export function decodeApiVersions(body: Buffer): {
  errorCode: number;
  apis: Map<number, [number, number]>;
} {
  const errorCode = body.readInt16BE(0);
  const apis = new Map<number, [number, number]>();
  const count = body.readInt32BE(2);
  for (let i = 0, at = 6; i < count; i++, at += 6)
    apis.set(body.readInt16BE(at), [body.readInt16BE(at + 2), body.readInt16BE(at + 4)]);
  return { errorCode, apis };
}
