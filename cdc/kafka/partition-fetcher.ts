/**
 * Fetches the partitions a consumer group gave this member, from each partition's leader, and
 * hands every batch over in offset order. Group membership, assignment and committed offsets
 * stay with kafkajs (sink-worker.ts); this is only the data path, which kafkajs's record
 * decoding made the sink's largest cost (docs/decisions/0006).
 *
 * Flow control: a partition is fetched again only once its last batch was accepted (`onBatch`
 * resolved), so per partition one batch waits while the one before it is applied. One loop per
 * leader broker; while any of its partitions is busy it does not long-poll the others, so a
 * partition that becomes free is fetched again at once.
 *
 *   const fetcher = createPartitionFetcher({ clientId, cluster, onBatch, onFatal, log });
 *   fetcher.assign([{ topic: 'ficus.catalog.public.products', partition: 0, offset: 0n }]);
 */
import type { Logger } from '../../lib/logger.ts';
import { errorMessage } from '../../lib/errors.ts';
import { sleep } from '../../lib/wait.ts';
import { backoffDelay, DEFAULT_RETRY, isTransient, type RetryOptions } from '../../lib/retry.ts';
import { API, type BrokerAddress } from './kafka-wire.ts';
import { createBrokerConnections } from './broker-connections.ts';
import {
  decodeFetchResponse,
  encodeFetchRequest,
  FETCH_VERSION,
  type FetchedPartition,
  type IsolationLevel,
} from './fetch-protocol.ts';
import { decodeRecordBatches, type KafkaMessage } from './record-batches.ts';
import { isLeadershipError, KafkaProtocolError, OFFSET_OUT_OF_RANGE } from './kafka-errors.ts';

export type TopicPartition = { topic: string; partition: number };
export type FetchedBatch = TopicPartition & { highWatermark: string; messages: KafkaMessage[] };
export type Leader = BrokerAddress & { nodeId: number };

/** What the fetcher asks of the cluster besides fetches (kafka-cluster-view.ts: kafkajs admin). */
export type ClusterView = {
  leaders(topics: string[]): Promise<Map<string, Leader>>;
  earliestOffset(topic: string, partition: number): Promise<bigint>;
};

export type PartitionFetcherOptions = {
  clientId: string;
  cluster: ClusterView;
  /** takes a batch; the partition is fetched again once the promise resolves */
  onBatch(batch: FetchedBatch): Promise<void>;
  /** an error retrying cannot fix (records no consumer can read, a broker too old) */
  onFatal(error: unknown): void;
  log: Logger;
  maxBytesPerPartition?: number;
  maxBytes?: number;
  /** how long a fetch may wait at the broker for new records */
  maxWaitMs?: number;
  isolation?: IsolationLevel;
  retry?: RetryOptions;
};

export type PartitionFetcher = {
  /** from now on, fetch exactly these partitions, from these offsets */
  assign(positions: (TopicPartition & { offset: bigint })[]): void;
  /** stops fetching a topic's partitions (or one of them) until they are assigned again */
  pause(topic: string, partition?: number): void;
  /** fetches these partitions again (a paused topic resumed), the others untouched */
  resume(positions: (TopicPartition & { offset: bigint })[]): void;
  stop(): Promise<void>;
};

type PartitionState = TopicPartition & {
  offset: bigint;
  maxBytes: number;
  leader?: number;
  busy: Promise<void> | null;
};

export const keyOf = (tp: TopicPartition) => `${tp.topic}|${tp.partition}`;

export function createPartitionFetcher(options: PartitionFetcherOptions): PartitionFetcher {
  const { log, cluster } = options;
  const maxBytesPerPartition = options.maxBytesPerPartition ?? 8 << 20;
  const maxWaitMs = options.maxWaitMs ?? 500;
  const retry = options.retry ?? DEFAULT_RETRY;
  let partitions = new Map<string, PartitionState>();
  const connections = createBrokerConnections(options.clientId);
  const loops = new Map<number, Promise<void>>();
  let running = true;
  let refreshing: Promise<void> | null = null;
  let again = false;

  // Wakes the loops when a partition becomes free or the assignment changes. `wakes` counts them,
  // so that a loop does not go to sleep on a wake that came while it was fetching.
  let wakers: (() => void)[] = [];
  let wakes = 0;
  const wake = () => {
    wakes++;
    const waiting = wakers;
    wakers = [];
    for (const w of waiting) w();
  };
  const nextWake = (timeoutMs?: number) =>
    new Promise<void>((resolve) => {
      wakers.push(resolve);
      if (timeoutMs !== undefined) setTimeout(resolve, timeoutMs).unref();
    });

  /** Looks up the leaders of the assigned partitions; asked again while running, it runs again. */
  const refreshLeaders = (): Promise<void> => {
    if (refreshing) {
      again = true; // the assignment may have changed since this lookup began
      return refreshing;
    }
    refreshing = (async () => {
      do {
        again = false;
        const topics = [...new Set([...partitions.values()].map((p) => p.topic))];
        const leaders = topics.length ? await cluster.leaders(topics) : new Map<string, Leader>();
        for (const [key, state] of partitions) {
          const leader = leaders.get(key);
          state.leader = leader?.nodeId;
          if (leader) connections.learn(leader.nodeId, leader);
        }
        for (const state of partitions.values())
          if (state.leader !== undefined && !loops.has(state.leader)) startLoop(state.leader);
      } while (again && running);
    })().finally(() => (refreshing = null));
    return refreshing;
  };

  /** Takes one partition's answer: its batch goes to onBatch, errors mark what to do next. */
  const take = async (state: PartitionState, fetched: FetchedPartition): Promise<boolean> => {
    if (fetched.errorCode === OFFSET_OUT_OF_RANGE) {
      const earliest = await cluster.earliestOffset(state.topic, state.partition);
      log.warn('fetch offset out of range: going on from the earliest offset', {
        topic: state.topic,
        partition: state.partition,
        offset: String(state.offset),
        earliest: String(earliest),
      });
      state.offset = earliest;
      return false;
    }
    if (fetched.errorCode !== 0) {
      if (!isLeadershipError(fetched.errorCode))
        throw new KafkaProtocolError(fetched.errorCode, `fetching ${keyOf(state)}`);
      state.leader = undefined; // found again by the next refresh
      return false;
    }
    const decoded = decodeRecordBatches(fetched, state.offset);
    state.offset = decoded.nextOffset;
    // a batch bigger than the partition's share: ask for all of it next time
    state.maxBytes = Math.max(maxBytesPerPartition, decoded.truncatedBatchBytes);
    if (decoded.messages.length === 0) return false;
    const batch: FetchedBatch = {
      topic: state.topic,
      partition: state.partition,
      highWatermark: String(fetched.highWatermark),
      messages: decoded.messages,
    };
    const work: Promise<void> = options
      .onBatch(batch)
      .catch((error) => options.onFatal(error))
      .finally(() => {
        // the partition may have been assigned again meanwhile: free whichever state waits on it
        for (const s of [state, partitions.get(keyOf(state))]) if (s?.busy === work) s.busy = null;
        wake();
      });
    state.busy = work;
    return true;
  };

  const fetchOnce = async (nodeId: number, ready: PartitionState[], busy: boolean) => {
    const byTopic = new Map<string, PartitionState[]>();
    for (const s of ready) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s]);
    const body = encodeFetchRequest({
      maxWaitMs: busy ? 0 : maxWaitMs,
      minBytes: 1,
      maxBytes: options.maxBytes ?? 3 * maxBytesPerPartition,
      isolation: options.isolation ?? 'read_committed',
      topics: [...byTopic].map(([topic, states]) => ({
        topic,
        partitions: states.map((s) => ({
          partition: s.partition,
          fetchOffset: s.offset,
          maxBytes: s.maxBytes,
        })),
      })),
    });
    const broker = await connections.get(nodeId);
    const response = decodeFetchResponse(await broker.request(API.Fetch, FETCH_VERSION, body));
    if (response.errorCode !== 0)
      throw new KafkaProtocolError(response.errorCode, `fetching from ${broker.address}`);
    let got = false;
    for (const fetched of response.partitions) {
      const state = partitions.get(keyOf(fetched));
      // reassigned while the fetch was out: its answer belongs to no one
      if (!state || !ready.includes(state)) continue;
      if (await take(state, fetched)) got = true;
    }
    if (response.partitions.some((p) => p.errorCode !== 0 && p.errorCode !== OFFSET_OUT_OF_RANGE))
      await refreshLeaders();
    return got;
  };

  const startLoop = (nodeId: number) => {
    const loop = (async () => {
      let failures = 0;
      while (running) {
        const mine = [...partitions.values()].filter((p) => p.leader === nodeId);
        if (mine.length === 0) break;
        const ready = mine.filter((p) => p.busy === null);
        const busy = ready.length < mine.length;
        if (ready.length === 0) {
          await nextWake();
          continue;
        }
        try {
          const before = wakes;
          const got = await fetchOnce(nodeId, ready, busy);
          failures = 0;
          if (!got && busy && wakes === before) await nextWake(maxWaitMs);
        } catch (error) {
          if (!running) break;
          if (!isTransient(error)) {
            options.onFatal(error);
            break;
          }
          failures++;
          const delayMs = backoffDelay(failures, retry);
          log.warn('fetch failed; retrying', {
            broker: nodeId,
            attempt: failures,
            delayMs,
            error: errorMessage(error),
          });
          connections.drop(nodeId);
          await sleep(delayMs);
          await refreshLeaders().catch((e) =>
            log.warn('could not refresh the partition leaders', { error: errorMessage(e) }),
          );
        }
      }
      loops.delete(nodeId);
    })();
    loops.set(nodeId, loop);
  };

  // Partitions without a known leader (a failed lookup, a leader that moved) are looked up again
  // until they have one.
  const leaderless = setInterval(() => {
    if (running && [...partitions.values()].some((p) => p.leader === undefined))
      refreshLeaders().catch((error) =>
        log.warn('could not find the partition leaders; retrying', { error: errorMessage(error) }),
      );
  }, 1_000);
  leaderless.unref();

  return {
    assign(positions) {
      const next = new Map<string, PartitionState>();
      for (const p of positions) {
        const before = partitions.get(keyOf(p));
        next.set(keyOf(p), {
          topic: p.topic,
          partition: p.partition,
          offset: p.offset,
          maxBytes: maxBytesPerPartition,
          // a batch still being handed over keeps the partition busy
          busy: before?.busy ?? null,
        });
      }
      partitions = next;
      wake();
      refreshLeaders().catch((error) =>
        log.warn('could not find the partition leaders; retrying', { error: errorMessage(error) }),
      );
    },
    resume(positions) {
      partitions = new Map(partitions);
      for (const p of positions)
        if (!partitions.has(keyOf(p)))
          partitions.set(keyOf(p), {
            topic: p.topic,
            partition: p.partition,
            offset: p.offset,
            maxBytes: maxBytesPerPartition,
            busy: null,
          });
      wake();
      refreshLeaders().catch((error) =>
        log.warn('could not find the partition leaders; retrying', { error: errorMessage(error) }),
      );
    },
    pause(topic, partition) {
      const stops = (state: PartitionState) =>
        state.topic === topic && (partition === undefined || state.partition === partition);
      partitions = new Map([...partitions].filter(([, state]) => !stops(state)));
      wake();
    },
    async stop() {
      running = false;
      clearInterval(leaderless);
      wake();
      await Promise.allSettled(loops.values());
      connections.closeAll();
    },
  };
}
