/**
 * The partition fetcher against the stack's real broker: topics made and filled by kafkajs (plain,
 * gzip-compressed, transactional), read back with ficus's own fetching. Every test has its own
 * topic with a random name, so that tests never see each other's records.
 */
import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import {
  CompressionTypes,
  Partitioners,
  type Admin,
  type Producer,
  type RecordMetadata,
  type Sender,
} from 'kafkajs';
import { createLogger } from '../../lib/logger.ts';
import { sleep, waitFor } from '../../lib/wait.ts';
import { stackUrls } from '../../test-support/stack-access.ts';
import { FAST_RETRY } from '../../lib/retry.ts';
import { kafkaClusterView } from './kafka-cluster-view.ts';
import {
  createPartitionFetcher,
  keyOf,
  type FetchedBatch,
  type PartitionFetcher,
  type PartitionFetcherOptions,
  type TopicPartition,
} from './partition-fetcher.ts';
import { createKafkaClient } from './kafka-clients.ts';

jest.setTimeout(120_000);

const kafka = createKafkaClient({
  brokers: [stackUrls().kafkaBootstrap],
  clientId: 'fetcher-test',
});
let admin: Admin;
let producer: Producer;
const topics: string[] = [];
const fetchers: PartitionFetcher[] = [];
const WAIT = { timeoutMs: 30_000, intervalMs: 50 };

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
});

afterEach(async () => {
  await Promise.all(fetchers.splice(0).map((f) => f.stop()));
});

afterAll(async () => {
  if (topics.length) await admin?.deleteTopics({ topics });
  await producer?.disconnect();
  await admin?.disconnect();
});

async function newTopic(numPartitions: number): Promise<string> {
  const topic = `fetcher-test-${randomBytes(4).toString('hex')}`;
  await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  topics.push(topic);
  return topic;
}

/** A message as the tests compare them: offset, key and value as strings (or null). */
type Seen = { offset: string; key: string | null; value: string | null };
type Outgoing = { partition: number; key: string | null; value: string | null };

/**
 * Sends messages in one request and says what each became: within a partition, a request's
 * messages take the offsets from the base offset the broker answers with, in order.
 */
async function produce(
  sender: Sender,
  topic: string,
  messages: Outgoing[],
  compression = CompressionTypes.None,
): Promise<Map<number, Seen[]>> {
  const metadata: RecordMetadata[] = await sender.send({ topic, compression, messages });
  const sent = new Map<number, Seen[]>();
  for (const { partition, baseOffset } of metadata) {
    const mine = messages.filter((m) => m.partition === partition);
    sent.set(
      partition,
      mine.map((m, i) => ({
        offset: String(BigInt(baseOffset!) + BigInt(i)),
        key: m.key,
        value: m.value,
      })),
    );
  }
  return sent;
}

/** Keeps what was sent, per partition, in the order it was sent. */
function ledger() {
  const sent = new Map<number, Seen[]>();
  return {
    add(more: Map<number, Seen[]>) {
      for (const [partition, seen] of more)
        sent.set(partition, [...(sent.get(partition) ?? []), ...seen]);
    },
    of: (partition: number) => sent.get(partition) ?? [],
  };
}

const numbered = (partition: number, prefix: string, count: number): Outgoing[] =>
  Array.from({ length: count }, (_, i) => ({
    partition,
    key: `${prefix}-k${i}`,
    value: `${prefix}-v${i}`,
  }));

/**
 * A fetcher that keeps everything it is handed, and what it gives onFatal (each test expects
 * nothing there); `hold` may keep a batch's promise open, else taking a batch takes a moment.
 */
function startFetcher(
  options: Partial<Pick<PartitionFetcherOptions, 'isolation' | 'maxBytesPerPartition'>> & {
    hold?: (batch: FetchedBatch) => Promise<void> | undefined;
  } = {},
) {
  const seen = new Map<string, Seen[]>();
  const batches: FetchedBatch[] = [];
  const inFlight = new Map<string, number>();
  let mostInFlight = 0;
  const logs: string[] = [];
  const fatal: unknown[] = [];
  const fetcher = createPartitionFetcher({
    clientId: 'fetcher-test',
    cluster: kafkaClusterView(admin),
    log: createLogger('fetcher-test', (line) => logs.push(line)),
    retry: FAST_RETRY,
    maxWaitMs: 100,
    isolation: options.isolation,
    maxBytesPerPartition: options.maxBytesPerPartition,
    onFatal: (error) => fatal.push(error),
    async onBatch(batch) {
      const key = keyOf(batch);
      batches.push(batch);
      const now = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, now);
      mostInFlight = Math.max(mostInFlight, now);
      seen.set(key, [
        ...(seen.get(key) ?? []),
        ...batch.messages.map((m) => ({
          offset: m.offset,
          key: m.key === null ? null : m.key.toString(),
          value: m.value === null ? null : m.value.toString(),
        })),
      ]);
      try {
        await (options.hold?.(batch) ?? sleep(5)); // a sink takes a while with each batch
      } finally {
        inFlight.set(key, inFlight.get(key)! - 1);
      }
    },
  });
  fetchers.push(fetcher);
  const of = (topic: string, partition: number) => seen.get(keyOf({ topic, partition })) ?? [];
  return {
    fetcher,
    of,
    batches,
    logs,
    fatal,
    mostInFlight: () => mostInFlight,
    /** the offsets of each batch handed over for a partition */
    batchesOf: (tp: TopicPartition) =>
      batches.filter((b) => keyOf(b) === keyOf(tp)).map((b) => b.messages.map((m) => m.offset)),
    /** waits until the partition's last message is the one expected last */
    until: (tp: TopicPartition, last: Seen) =>
      waitFor(
        `${keyOf(tp)} to reach offset ${last.offset}`,
        async () => of(tp.topic, tp.partition).at(-1)?.offset === last.offset,
        WAIT,
      ),
  };
}

test('every message arrives once, in offset order, as produced, from the offsets given', async () => {
  const topic = await newTopic(3);
  const sent = ledger();
  // several requests: several batches per partition
  for (let round = 0; round < 8; round++)
    sent.add(
      await produce(producer, topic, [
        ...numbered(0, `r${round}`, 40),
        ...numbered(1, `r${round}`, 25),
        ...numbered(2, `r${round}`, 3),
        { partition: 1, key: null, value: `r${round}-no-key` },
        { partition: 2, key: `r${round}-tombstone`, value: null },
      ]),
    );
  const from = [0, 37, 19];
  const reader = startFetcher();
  reader.fetcher.assign(
    from.map((offset, partition) => ({ topic, partition, offset: BigInt(offset) })),
  );
  for (const partition of [0, 1, 2])
    await reader.until({ topic, partition }, sent.of(partition).at(-1)!);

  // more after the fetcher caught up: what it delivers next comes once, after the rest
  const more = await produce(
    producer,
    topic,
    [0, 1, 2].flatMap((p) => numbered(p, 'late', 2)),
  );
  sent.add(more);
  for (const partition of [0, 1, 2])
    await reader.until({ topic, partition }, more.get(partition)!.at(-1)!);

  for (const partition of [0, 1, 2]) {
    const expected = sent.of(partition).filter((m) => BigInt(m.offset) >= BigInt(from[partition]));
    expect(reader.of(topic, partition)).toEqual(expected);
  }
  expect(sent.of(1)[37].offset).toBe('37'); // the starting points were real offsets
  expect(reader.batches.length).toBeGreaterThan(3);
  const last = reader.batches.filter((b) => b.partition === 0).at(-1)!;
  expect(last.highWatermark).toBe(String(sent.of(0).length));
  expect(reader.mostInFlight()).toBe(1);
  expect(reader.fatal).toEqual([]);
});

/** Holds the first batch of `partition` until `release()`: the partition stays busy meanwhile. */
function holdFirstBatchOf(partition: number) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let holding = true;
  const hold = (batch: FetchedBatch) =>
    batch.partition === partition && holding ? ((holding = false), held) : undefined;
  return { hold, release };
}

test('a partition is fetched again only once its batch was taken; the others go on meanwhile', async () => {
  const topic = await newTopic(2);
  const { hold, release } = holdFirstBatchOf(0);
  const reader = startFetcher({ hold });
  const sent = ledger();
  sent.add(await produce(producer, topic, numbered(0, 'first', 5)));
  reader.fetcher.assign([0, 1].map((partition) => ({ topic, partition, offset: 0n })));
  await reader.until({ topic, partition: 0 }, sent.of(0).at(-1)!);

  sent.add(await produce(producer, topic, numbered(0, 'second', 5)));
  sent.add(await produce(producer, topic, numbered(1, 'other', 5)));
  await reader.until({ topic, partition: 1 }, sent.of(1).at(-1)!);
  // partition 1's records came after partition 0's second lot: a fetch saw both
  expect(reader.batchesOf({ topic, partition: 0 })).toEqual([['0', '1', '2', '3', '4']]);

  release();
  await reader.until({ topic, partition: 0 }, sent.of(0).at(-1)!);
  expect(reader.of(topic, 0)).toEqual(sent.of(0));
  expect(reader.of(topic, 1)).toEqual(sent.of(1));
  expect(reader.fatal).toEqual([]);
});

test('a partition assigned again while its batch is being taken waits for that batch', async () => {
  const topic = await newTopic(2);
  const { hold, release } = holdFirstBatchOf(0);
  const reader = startFetcher({ hold });
  const sent = ledger();
  sent.add(await produce(producer, topic, numbered(0, 'first', 3)));
  reader.fetcher.assign([0, 1].map((partition) => ({ topic, partition, offset: 0n })));
  await reader.until({ topic, partition: 0 }, sent.of(0).at(-1)!);

  // as after a rebalance that gave this member the same partitions, from where it got to
  reader.fetcher.assign([
    { topic, partition: 0, offset: 3n },
    { topic, partition: 1, offset: 0n },
  ]);
  sent.add(await produce(producer, topic, numbered(0, 'second', 3)));
  sent.add(await produce(producer, topic, numbered(1, 'other', 3)));
  await reader.until({ topic, partition: 1 }, sent.of(1).at(-1)!);
  expect(reader.batchesOf({ topic, partition: 0 })).toEqual([['0', '1', '2']]);

  release();
  await reader.until({ topic, partition: 0 }, sent.of(0).at(-1)!);
  expect(reader.of(topic, 0)).toEqual(sent.of(0));
  expect(reader.mostInFlight()).toBe(1);
  expect(reader.fatal).toEqual([]);
});

test('messages produced with gzip compression read back the same', async () => {
  const topic = await newTopic(2);
  const sent = ledger();
  const long = (i: number) => `${'a fairly repetitive value '.repeat(20)}#${i}`;
  for (let round = 0; round < 3; round++) {
    const messages = [0, 1].flatMap((partition) =>
      Array.from({ length: 30 }, (_, i) => ({
        partition,
        key: i % 7 ? `g${round}-${i}` : null,
        value: i % 11 ? long(i) : null,
      })),
    );
    sent.add(await produce(producer, topic, messages, CompressionTypes.GZIP));
    // an uncompressed request in between: batches of both kinds in one fetch
    sent.add(await produce(producer, topic, numbered(round % 2, `plain${round}`, 2)));
  }
  const reader = startFetcher();
  reader.fetcher.assign([0, 1].map((partition) => ({ topic, partition, offset: 5n })));
  for (const partition of [0, 1])
    await reader.until({ topic, partition }, sent.of(partition).at(-1)!);
  for (const partition of [0, 1])
    expect(reader.of(topic, partition)).toEqual(sent.of(partition).slice(5));
  expect(reader.fatal).toEqual([]);
});

test("an aborted transaction's messages are not delivered, a committed one's are", async () => {
  const topic = await newTopic(2);
  const transactional = kafka.producer({
    transactionalId: `fetcher-test-${randomBytes(4).toString('hex')}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await transactional.connect();
  const committed = ledger();
  const aborted = ledger();
  try {
    const first = await transactional.transaction();
    committed.add(await produce(first, topic, [...numbered(0, 'c1', 3), ...numbered(1, 'c1', 2)]));
    await first.commit();

    const second = await transactional.transaction();
    aborted.add(await produce(second, topic, [...numbered(0, 'a1', 3), ...numbered(1, 'a1', 3)]));
    aborted.add(await produce(second, topic, numbered(0, 'a2', 2))); // a second batch
    await second.abort();

    committed.add(await produce(producer, topic, numbered(0, 'plain', 2)));

    const third = await transactional.transaction();
    committed.add(await produce(third, topic, [...numbered(0, 'c3', 2), ...numbered(1, 'c3', 2)]));
    await third.commit();
  } finally {
    await transactional.disconnect();
  }
  const byOffset = (a: Seen, b: Seen) => Number(BigInt(a.offset) - BigInt(b.offset));

  const reader = startFetcher(); // read_committed by default
  const everything = startFetcher({ isolation: 'read_uncommitted' });
  for (const r of [reader, everything])
    r.fetcher.assign([0, 1].map((partition) => ({ topic, partition, offset: 0n })));
  for (const r of [reader, everything])
    for (const partition of [0, 1])
      await r.until({ topic, partition }, committed.of(partition).at(-1)!);

  for (const partition of [0, 1]) {
    expect(reader.of(topic, partition)).toEqual(committed.of(partition));
    // the aborted messages are in the log: read uncommitted, they come too
    expect(everything.of(topic, partition)).toEqual(
      [...committed.of(partition), ...aborted.of(partition)].sort(byOffset),
    );
  }
  expect(reader.of(topic, 0).some((m) => m.value?.startsWith('a'))).toBe(false);
  expect(reader.fatal).toEqual([]);
  expect(everything.fatal).toEqual([]);
});

test('an offset below the log start or past the end goes on from the earliest, with a warning', async () => {
  const topic = await newTopic(2);
  const sent = ledger();
  sent.add(await produce(producer, topic, [...numbered(0, 'm', 10), ...numbered(1, 'm', 10)]));
  // kafkajs finds the partition leaders for deleteTopicRecords only among topics it already knows
  await admin.fetchTopicMetadata({ topics: [topic] });
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });

  const reader = startFetcher();
  reader.fetcher.assign([
    { topic, partition: 0, offset: 1n },
    { topic, partition: 1, offset: 50n },
  ]);
  for (const partition of [0, 1])
    await reader.until({ topic, partition }, sent.of(partition).at(-1)!);
  expect(reader.of(topic, 0)).toEqual(sent.of(0).slice(4));
  expect(reader.of(topic, 1)).toEqual(sent.of(1));

  const warnings = reader.logs
    .filter((line) => line.includes('fetch offset out of range'))
    .map((line) => JSON.parse(line.slice(line.indexOf('{'))));
  expect(warnings).toEqual(
    expect.arrayContaining([
      { topic, partition: 0, offset: '1', earliest: '4' },
      { topic, partition: 1, offset: '50', earliest: '0' },
    ]),
  );
  expect(
    reader.logs.filter((line) => line.includes('out of range')).every((l) => / warn /.test(l)),
  ).toBe(true);
  expect(reader.fatal).toEqual([]);
});

test('a batch larger than maxBytesPerPartition still arrives', async () => {
  const topic = await newTopic(3);
  const sent = ledger();
  const big = (i: number) => `${randomBytes(3000).toString('base64')}#${i}`; // incompressible
  for (let round = 0; round < 3; round++)
    sent.add(
      await produce(
        producer,
        topic,
        [0, 1, 2].flatMap((partition) =>
          Array.from({ length: 3 }, (_, i) => ({
            partition,
            key: `b${round}-${i}`,
            value: big(i),
          })),
        ),
      ),
    );
  const reader = startFetcher({ maxBytesPerPartition: 1024 });
  reader.fetcher.assign([0, 1, 2].map((partition) => ({ topic, partition, offset: 0n })));
  for (const partition of [0, 1, 2])
    await reader.until({ topic, partition }, sent.of(partition).at(-1)!);
  for (const partition of [0, 1, 2])
    expect(reader.of(topic, partition)).toEqual(sent.of(partition));
  expect(reader.fatal).toEqual([]);
});

test('assign() to a new set of partitions stops delivering the old ones', async () => {
  const topic = await newTopic(3);
  const other = await newTopic(1);
  const sent = ledger();
  const sentOther = ledger();
  sent.add(
    await produce(
      producer,
      topic,
      [0, 1, 2].flatMap((p) => numbered(p, 'before', 3)),
    ),
  );
  sentOther.add(await produce(producer, other, numbered(0, 'other', 3)));
  const reader = startFetcher();
  reader.fetcher.assign([0, 1].map((partition) => ({ topic, partition, offset: 0n })));
  for (const partition of [0, 1])
    await reader.until({ topic, partition }, sent.of(partition).at(-1)!);
  expect(reader.of(topic, 2)).toEqual([]);

  // partition 1 goes on where it was, 0 is given up, 2 and another topic's partition are new
  reader.fetcher.assign([
    { topic, partition: 1, offset: 3n },
    { topic, partition: 2, offset: 0n },
    { topic: other, partition: 0, offset: 1n },
  ]);
  sent.add(await produce(producer, topic, numbered(0, 'after', 3)));
  sent.add(
    await produce(
      producer,
      topic,
      [1, 2].flatMap((p) => numbered(p, 'after', 3)),
    ),
  );
  sentOther.add(await produce(producer, other, numbered(0, 'after', 2)));
  for (const partition of [1, 2])
    await reader.until({ topic, partition }, sent.of(partition).at(-1)!);
  await reader.until({ topic: other, partition: 0 }, sentOther.of(0).at(-1)!);
  // partition 0's new records were there before those of 1 and 2 that were fetched
  expect(reader.of(topic, 0)).toEqual(sent.of(0).slice(0, 3));
  expect(reader.of(topic, 1)).toEqual(sent.of(1));
  expect(reader.of(topic, 2)).toEqual(sent.of(2));
  expect(reader.of(other, 0)).toEqual(sentOther.of(0).slice(1));

  // and partition 0 comes back from where it is assigned again
  reader.fetcher.assign([{ topic, partition: 0, offset: 2n }]);
  await reader.until({ topic, partition: 0 }, sent.of(0).at(-1)!);
  expect(reader.of(topic, 0)).toEqual([...sent.of(0).slice(0, 3), ...sent.of(0).slice(2)]);
  expect(reader.fatal).toEqual([]);
});

test('stop() resolves, with a batch still being taken, and closes its connections', async () => {
  const topic = await newTopic(2);
  const sent = ledger();
  sent.add(
    await produce(
      producer,
      topic,
      [0, 1].flatMap((p) => numbered(p, 'm', 4)),
    ),
  );
  // the fetcher's sockets: those that read into buffers they are given (kafkajs's do not)
  const sockets: net.Socket[] = [];
  const connect = net.connect as (...args: unknown[]) => net.Socket;
  const spy = jest.spyOn(net, 'connect').mockImplementation(((...args: unknown[]) => {
    const socket = connect(...args);
    if ((args[0] as { onread?: unknown }).onread) sockets.push(socket);
    return socket;
  }) as typeof net.connect);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let stopped!: ReturnType<typeof startFetcher>;
  try {
    stopped = startFetcher({ hold: (batch) => (batch.partition === 1 ? held : undefined) });
    stopped.fetcher.assign([0, 1].map((partition) => ({ topic, partition, offset: 0n })));
    for (const partition of [0, 1])
      await stopped.until({ topic, partition }, sent.of(partition).at(-1)!);
  } finally {
    spy.mockRestore();
  }
  expect(sockets.length).toBeGreaterThan(0);
  expect(sockets.some((s) => !s.destroyed)).toBe(true);

  await stopped.fetcher.stop();
  await waitFor(
    'the fetcher to close its connections',
    async () => sockets.every((s) => s.destroyed),
    WAIT,
  );
  release();

  // what comes next is readable, but not by the stopped fetcher
  const batchesBefore = stopped.batches.length;
  sent.add(await produce(producer, topic, numbered(0, 'after', 3)));
  const witness = startFetcher();
  witness.fetcher.assign([{ topic, partition: 0, offset: 0n }]);
  await witness.until({ topic, partition: 0 }, sent.of(0).at(-1)!);
  expect(stopped.batches).toHaveLength(batchesBefore);
  expect(stopped.of(topic, 0)).toEqual(sent.of(0).slice(0, 4));
  expect(stopped.fatal).toEqual([]);
});
