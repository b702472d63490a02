/**
 * One sink worker: a kafkajs consumer group per service and direction that applies Debezium
 * change events to the target DB through the plan's mapping (apply-batch.ts), with the applied
 * position stored in the target DB and sought to on every partition assignment.
 *
 *   const worker = await startSinkWorker(await sinkOptionsFromStack({ service: 'catalog', direction: 'forward' }));
 *   ...
 *   await worker.stop(); // finishes the batch in flight
 */
import {
  Kafka,
  Partitioners,
  logLevel,
  type Batch,
  type Consumer,
  type EachBatchPayload,
  type LogEntry,
} from 'kafkajs';
import pg from 'pg';
import { errorMessage } from '../../lib/errors.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import type { Direction } from '../../plan/mapping.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { findService } from '../../plan/load-plan.ts';
import { applyBatch, type ApplyDeps, type ApplyResult } from './apply-batch.ts';
import type { TableWriter } from './table-writer.ts';
import { createDeadLetterSender, deadLetterTopic, ensureTopic } from './dead-letter.ts';
import { pruneOrigins } from './no-echo.ts';
import { isTransient, withRetry, DEFAULT_RETRY, type RetryOptions } from './retry.ts';
import { createSinkMetrics, type SinkMetrics } from './sink-metrics.ts';
import { buildWriters, defaultTopicPrefix } from './sink-topology.ts';
import { BOOKKEEPING_DDL, readPositions } from './sync-tables.ts';
import { createLagTracker, type LagSnapshot } from './lag-tracker.ts';

export type SinkWorkerOptions = {
  service: string;
  direction: Direction;
  plan: Plan;
  brokers: string[];
  /** admin URL of the legacy database (`shop`) */
  legacyUrl: string;
  /** admin URL of the service's database */
  serviceUrl: string;
  /** default `ficus-sync-<service>-<direction>` */
  groupId?: string;
  /** Debezium topic.prefix of the feeding connector; default `ficus.<service>` (forward) */
  topicPrefix?: string;
  /** default `ficus.dlq.<service>` */
  dlqTopic?: string;
  /** most events per transaction (a fetched batch is cut into pieces this big) */
  maxEventsPerTransaction?: number;
  /** partitions applied at the same time (each in its own transaction) */
  concurrency?: number;
  retry?: RetryOptions;
  lagIntervalMs?: number;
  /**
   * Kafka group session timeout: how long a crashed member (kill -9) keeps its partitions before
   * the group gives them to someone else. Short, because a sink that is gone should be replaced fast.
   */
  sessionTimeoutMs?: number;
  logger?: Logger;
};

export type SinkStats = {
  applied: number;
  deadLetters: number;
  duplicates: number;
  echoes: number;
  batches: number;
  lag: LagSnapshot;
};

export type SinkWorker = {
  groupId: string;
  topics: string[];
  metrics: SinkMetrics;
  stats(): SinkStats;
  /** rejects when the worker stops on an error it cannot get past */
  failed: Promise<never>;
  stop(): Promise<void>;
};

const TRUNCATE_OP = Buffer.from('"op":"t"');
/** Debezium's truncate events are the only keyed-table events without a key. */
const isTruncate = (m: { key: Buffer | null; value: Buffer | null }) =>
  m.key === null && m.value !== null && m.value.includes(TRUNCATE_OP);

function kafkaLogCreator(log: Logger) {
  return () =>
    ({ level, log: entry }: LogEntry) => {
      const { message, ...rest } = entry;
      if (level <= logLevel.ERROR) log.error(message, rest);
      else if (level === logLevel.WARN) log.warn(message, rest);
    };
}

export async function startSinkWorker(options: SinkWorkerOptions): Promise<SinkWorker> {
  const { service, direction } = options;
  const servicePlan = findService(options.plan, service);
  const groupId = options.groupId ?? `ficus-sync-${service}-${direction}`;
  const log = options.logger ?? createLogger(`sync:${service}:${direction}`);
  const retry = { ...DEFAULT_RETRY, ...options.retry };
  const pool = (url: string, name: string) => {
    const p = new pg.Pool({
      connectionString: url,
      max: (options.concurrency ?? 3) + 2,
      options: '-c TimeZone=UTC',
      application_name: `ficus-sync-${service}-${direction}`,
    });
    p.on('error', (error) => log.warn(`idle ${name} connection failed`, { error: error.message }));
    return p;
  };
  const legacy = pool(options.legacyUrl, 'legacy DB');
  const serviceDb = pool(options.serviceUrl, 'service DB');
  const [source, target] = direction === 'forward' ? [legacy, serviceDb] : [serviceDb, legacy];
  const metrics = createSinkMetrics({ service, direction });
  const totals = { applied: 0, deadLetters: 0, duplicates: 0, echoes: 0, batches: 0 };
  let stopping = false;
  let rejectFailed: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => undefined);

  const kafka = new Kafka({
    clientId: groupId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(log.child('kafkajs')),
    retry: { retries: 10 },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout,
    rebalanceTimeout: sessionTimeout + 5_000,
    heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 10)),
    // Debezium's JSON events carry their schema (~4 KB each): 8 MB is ~2,000 events per
    // partition and fetch, few enough transactions that their round trips do not dominate.
    maxBytesPerPartition: 8 << 20,
    maxBytes: 24 << 20,
    allowAutoTopicCreation: false,
  });

  try {
    await withRetry(
      async () => {
        await legacy.query(BOOKKEEPING_DDL);
        await serviceDb.query(BOOKKEEPING_DDL);
      },
      { ...retry, maxAttempts: 8 },
    );
    const topicPrefix = options.topicPrefix ?? defaultTopicPrefix(service, direction);
    const writers = await buildWriters({
      plan: options.plan,
      service: servicePlan,
      direction,
      legacy,
      serviceDb,
      topicPrefix,
    });
    const topics = [...writers.keys()];
    const dlqTopic = options.dlqTopic ?? deadLetterTopic(service);
    await admin.connect();
    await ensureTopic(admin, dlqTopic, 1);
    // A table with no rows has no topic until its first change; create it so the group can subscribe.
    for (const topic of topics) await ensureTopic(admin, topic);
    await producer.connect();
    const sendDeadLetters = createDeadLetterSender(producer, dlqTopic);
    const lag = createLagTracker({
      admin,
      target,
      groupId,
      topics,
      metrics,
      intervalMs: options.lagIntervalMs ?? 2_000,
      log,
    });

    const fail = (error: unknown) => {
      if (stopping) return;
      log.error('stopping on an error that retrying cannot fix', { error: errorMessage(error) });
      rejectFailed(error);
    };

    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // The position stored with the rows is the truth; seek there. Messages fetched before the
      // seek lands are recognised as already applied inside the apply transaction.
      void readPositions(target, groupId)
        .then((stored) => {
          for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
            for (const partition of partitions) {
              const position = stored.find((p) => p.topic === topic && p.partition === partition);
              if (position && BigInt(position.nextOffset) >= 0n)
                consumer.seek({ topic, partition, offset: position.nextOffset });
            }
          }
          log.info('joined the group', { assignment: payload.memberAssignment });
        })
        .catch((error) =>
          log.warn(
            'could not read stored positions after joining; relying on the in-transaction check',
            { error: errorMessage(error) },
          ),
        );
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) fail(payload.error);
    });

    const maxEvents = options.maxEventsPerTransaction ?? 5_000;
    /**
     * Applies a fetched batch, in transactions of at most `maxEvents`, and accounts for it. Runs
     * behind the fetch (see eachBatch): it reports its own failure and never throws; false when it
     * failed, and the partition must go no further. A batch that went stale (a seek, a stop) is
     * left unapplied, not failed.
     */
    const applyFetched = async (
      batch: Batch,
      writer: TableWriter,
      { pause, isRunning, isStale }: Pick<EachBatchPayload, 'pause' | 'isRunning' | 'isStale'>,
    ): Promise<boolean> => {
      const deps: ApplyDeps = { target, source, group: groupId, service, writer, sendDeadLetters };
      for (let i = 0; i < batch.messages.length; i += maxEvents) {
        if (!isRunning() || isStale()) return true;
        const chunk = batch.messages.slice(i, i + maxEvents).map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key,
          value: m.value,
        }));
        const timer = metrics.batchSeconds.startTimer({ table: writer.table });
        let result;
        try {
          result = await withRetry(() => applyBatch(deps, chunk), {
            ...retry,
            shouldStop: () => stopping,
            onRetry: (error, attempt, delayMs) => {
              metrics.retries.inc();
              log.warn('transient failure, retrying the batch', {
                topic: batch.topic,
                partition: batch.partition,
                attempt,
                delayMs,
                error: errorMessage(error),
              });
            },
          });
        } catch (error) {
          if (!(stopping && isTransient(error))) {
            pause();
            fail(error);
          }
          return false;
        }
        timer();
        account(batch, writer.table, chunk[0].offset, chunk.length, result);
        if (result.nextOffset !== null) {
          // Kafka's committed offset never runs ahead of the position stored with the rows: a
          // member that joins starts there at worst, and seeks to the stored position anyway.
          consumer
            .commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: result.nextOffset },
            ])
            .catch((error) =>
              log.debug('offset commit refused (rebalance?)', { error: errorMessage(error) }),
            );
        }
      }
      return true;
    };

    const account = (
      batch: Batch,
      table: string,
      first: string,
      events: number,
      result: ApplyResult,
    ) => {
      log.debug('applied a batch', {
        topic: batch.topic,
        partition: batch.partition,
        first,
        events,
        next: result.nextOffset,
        statements: result.statements,
        duplicates: result.duplicates,
        parseMs: Math.round(result.parseMs),
        dbMs: Math.round(result.dbMs),
      });
      if (result.gapFrom !== null)
        log.warn('messages missing between the stored position and this batch (retention?)', {
          topic: batch.topic,
          partition: batch.partition,
          stored: String(result.gapFrom),
          first,
        });
      for (const [op, n] of Object.entries(result.applied)) {
        metrics.events.inc({ table, op }, n);
        totals.applied += n;
      }
      for (const letter of result.deadLetters)
        log.warn('dead-lettered a poison event', {
          topic: letter.position.topic,
          partition: letter.position.partition,
          offset: letter.position.offset,
          reason: letter.reason,
        });
      metrics.deadLetters.inc({ table }, result.deadLetters.length);
      metrics.skipped.inc({ reason: 'duplicate' }, result.duplicates);
      metrics.skipped.inc({ reason: 'echo' }, result.echoes);
      totals.deadLetters += result.deadLetters.length;
      totals.duplicates += result.duplicates;
      totals.echoes += result.echoes;
      totals.batches++;
      if (result.nextOffset !== null)
        lag.applied(
          batch.topic,
          batch.partition,
          BigInt(result.nextOffset),
          BigInt(batch.highWatermark),
        );
    };

    /**
     * kafkajs fetches, waits for every batch of the fetch to be handled, then fetches again. A
     * batch is therefore applied behind the fetch: eachBatch hands it over and returns, and the
     * next fetch (broker read, network, decode) runs while the database applies it. Per partition
     * at most one batch is applied while the next waits, in offset order. Exactly-once does not
     * rest on this ordering alone: each transaction locks and checks the stored position.
     */
    const applying = new Map<string, Promise<boolean>>();
    /**
     * A truncate empties a whole table, but Debezium gives it no key, so it lands on any one
     * partition of the table's topic, unordered against the others (a caveat in Debezium's own
     * docs). So a batch holding a truncate is applied after everything the topic's other
     * partitions were handed before it, and what they are handed after it waits for it. Rows of
     * the same fetch handed before it are not reordered by LSN: use one partition for tables that
     * are truncated while they are written.
     */
    const truncating = new Map<string, Promise<boolean>>();
    const settled = async (pending: (Promise<boolean> | undefined)[]) =>
      (await Promise.all(pending)).every((ok) => ok ?? true);
    const eachBatch = async ({ batch, resolveOffset, heartbeat, ...payload }: EachBatchPayload) => {
      const writer = writers.get(batch.topic);
      if (!writer || batch.messages.length === 0) return;
      const partition = `${batch.topic}|${batch.partition}`;
      const truncates = batch.messages.some(isTruncate);
      const before = truncates
        ? [...applying].filter(([key]) => key.startsWith(`${batch.topic}|`)).map(([, p]) => p)
        : [applying.get(partition), truncating.get(batch.topic)];
      // a batch after one that failed is not applied: the partition is paused, the worker failing
      if (!(await settled(before))) return;
      if (stopping || !payload.isRunning() || payload.isStale()) return;
      const work = applyFetched(batch, writer, payload).finally(() => {
        if (applying.get(partition) === work) applying.delete(partition);
        if (truncating.get(batch.topic) === work) truncating.delete(batch.topic);
      });
      applying.set(partition, work);
      if (truncates) truncating.set(batch.topic, work);
      resolveOffset(batch.messages[batch.messages.length - 1].offset);
      await heartbeat();
    };

    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      // offsets are committed once applied (applyFetched), not when kafkajs has handed them over
      autoCommit: false,
      partitionsConsumedConcurrently: options.concurrency ?? 3,
      eachBatch,
    });
    lag.start();
    const pruner = setInterval(() => void pruneOrigins(target).catch(() => undefined), 3_600_000);
    pruner.unref();
    log.info('sink started', { groupId, topics, dlqTopic });

    return {
      groupId,
      topics,
      metrics,
      failed,
      stats: () => ({ ...totals, lag: lag.snapshot() }),
      stop: async () => {
        if (stopping) return;
        stopping = true;
        clearInterval(pruner);
        lag.stop();
        // kafkajs lets the handler in flight finish before it leaves the group; the batches
        // applied behind the fetch finish too (or give up on a transient error: not applied).
        await consumer
          .disconnect()
          .catch((e) => log.warn('consumer disconnect failed', { error: errorMessage(e) }));
        await Promise.all(applying.values());
        await producer.disconnect().catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
        await Promise.all([legacy.end(), serviceDb.end()]);
        log.info('sink stopped', totals);
      },
    };
  } catch (error) {
    stopping = true;
    await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
    await Promise.allSettled([legacy.end(), serviceDb.end()]);
    throw error;
  }
}
