/**
 * One sink worker: a kafkajs consumer group per service and direction that applies Debezium
 * change events to the target DB through the plan's mapping (apply-batch.ts), with the applied
 * position stored in the target DB and fetched from on every partition assignment. kafkajs keeps
 * the group (membership, assignment, heartbeats, committed offsets) with its own fetching paused;
 * the records come through ficus's partition fetcher (cdc/kafka/, docs/decisions/0006).
 *
 *   const worker = await startSinkWorker(await sinkOptions({ service: 'catalog', direction: 'forward' }));
 *   ...
 *   await worker.stop(); // finishes the batch in flight
 */
import { Partitioners, type Consumer } from 'kafkajs';
import pg from 'pg';
import { errorMessage } from '../../lib/errors.ts';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { sleep } from '../../lib/wait.ts';
import type { Direction } from '../../plan/mapping.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { findService } from '../../plan/load-plan.ts';
import { kafkaClusterView } from '../kafka/kafka-cluster-view.ts';
import { createPartitionFetcher, keyOf } from '../kafka/partition-fetcher.ts';
import { createInsertFirst } from './insert-first.ts';
import { createPartitionApplier, type SinkTotals } from './partition-applier.ts';
import { createDeadLetterSender, deadLetterTopic, ensureTopic } from './dead-letter.ts';
import { pruneOrigins } from './no-echo.ts';
import { groupCrashIsUnfixable } from './group-crash.ts';
import { backoffDelay, withRetry, DEFAULT_RETRY, type RetryOptions } from '../../lib/retry.ts';
import { createSinkMetrics, type SinkMetrics } from './sink-metrics.ts';
import { buildWriters, compileTopic, defaultTopicPrefix } from './sink-topology.ts';
import { createMappingReload } from './mapping-reload.ts';
import { BOOKKEEPING_DDL, readPositions } from './sync-tables.ts';
import { createLagTracker, type LagSnapshot } from './lag-tracker.ts';
import { createKafkaClient } from '../kafka/kafka-clients.ts';
import { createSchemaWatch, type SchemaChangeSeen } from './schema-watch.ts';
import type { SchemaGuard } from './partition-applier.ts';
import { createSchemaBackfill, type BackfillStats, type RepairTable } from './schema-backfill.ts';
import { createCopyFollower, type CopyFollower, type CopyOptions } from '../copy/copy-follower.ts';

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
  /**
   * Records a column change the worker saw for the first time (`ficus sync` writes it to the kit
   * DB, schema-change-store.ts); a failure is logged, never stops the sync.
   */
  recordSchemaChange?: (seen: SchemaChangeSeen) => Promise<unknown>;
  /**
   * The breaking changes recorded and not resolved (schema-change-store.ts `openPauses`): their
   * tables stay paused from the start, at the position stored with their rows.
   */
  openPauses?: () => Promise<SchemaChangeSeen[]>;
  /**
   * The plan as it is now (`ficus sync` reads its file again); default: the plan given at start.
   * Looked at every `reloadIntervalMs` (default 2000) to pick up a changed mapping or table
   * without a restart (mapping-reload.ts).
   */
  reloadPlan?: () => Plan;
  reloadIntervalMs?: number;
  /**
   * Repairs one table as `ficus verify --repair` does (schema-backfill.ts `repairOneTable`): given,
   * the worker back-fills a table by itself after picking up a newly mapped column or resuming it
   * under a changed mapping (when it holds partition 0 of the table's topic); without it, the log
   * names the command to run.
   */
  repairTable?: RepairTable;
  /**
   * The bulk initial copy (cdc/copy/), forward only: how this worker copies what `ficus
   * connectors apply` asked for, and where it records progress. Without it, the defaults and no
   * record in the kit DB.
   */
  copy?: CopyOptions;
};

export type SinkStats = {
  applied: number;
  deadLetters: number;
  duplicates: number;
  echoes: number;
  /** events skipped because the initial copy held them already */
  inCopy: number;
  batches: number;
  lag: LagSnapshot;
  /** tables whose sync paused at a breaking column change, by topic */
  paused: Record<string, SchemaChangeSeen>;
  /** looks taken for a changed plan or table (mapping-reload.ts), finished or failed */
  mappingLooks: number;
  /** the back-fills this worker ran after a schema change (schema-backfill.ts) */
  backfills: BackfillStats;
  /** the initial copies: chunks and rows this worker copied, tables still held */
  copy: { chunks: number; rows: number; errors: number; held: string[] };
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
    // Each client listens for its own errors for all its life: pg-pool listens only while a client
    // is idle, and a restart of the database ("terminating connection due to administrator
    // command") can reach a client in between, an 'error' nobody heard that ends the process. The
    // query in flight fails either way and is retried.
    p.on('connect', (client) =>
      client.on('error', (error) =>
        log.debug(`${name} connection failed`, { error: error.message }),
      ),
    );
    return p;
  };
  const legacy = pool(options.legacyUrl, 'legacy DB');
  const serviceDb = pool(options.serviceUrl, 'service DB');
  const [source, target] = direction === 'forward' ? [legacy, serviceDb] : [serviceDb, legacy];
  const metrics = createSinkMetrics({ service, direction });
  const totals: SinkTotals = {
    applied: 0,
    deadLetters: 0,
    duplicates: 0,
    echoes: 0,
    inCopy: 0,
    batches: 0,
  };
  let stopping = false;
  let rejectFailed: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => undefined);

  const kafka = createKafkaClient({
    brokers: options.brokers,
    clientId: groupId,
    log: log.child('kafkajs'),
    tuning: { retry: { retries: 10 } },
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
    // kafkajs fetches nothing here (its partitions stay paused); while paused it sleeps this
    // long between heartbeats, so a rebalance is noticed within it
    maxWaitTimeInMs: 500,
    allowAutoTopicCreation: false,
    // kafkajs restarts a crashed consumer from a timer, and a restart under way when the worker
    // disconnects goes on connecting, crashing and restarting for ever (with the broker gone, a
    // stopped worker kept its process alive): once stopping, it is never restarted. (5 retries:
    // kafkajs's default for a consumer, which giving `retry` at all would replace.)
    retry: { retries: 5, restartOnFailure: async () => !stopping },
  });

  let copying: CopyFollower | undefined;
  try {
    await withRetry(
      // only where it writes: a forward worker leaves the monolith's database alone (the reverse
      // worker makes them there when the service takes over the writes)
      () => target.query(BOOKKEEPING_DDL),
      { ...retry, maxAttempts: 8 },
    );
    const topicPrefix = options.topicPrefix ?? defaultTopicPrefix(service, direction);
    const topology = { service: servicePlan, direction, legacy, serviceDb };
    const { writers, baselines } = await buildWriters({
      ...topology,
      plan: options.plan,
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

    // A table pauses partition by partition: each stops at its own first event of the changed
    // schema, and the others apply their events from before the change meanwhile. So when the
    // table resumes under the new mapping, no partition still holds events of the old schema.
    const paused = new Map<string, SchemaChangeSeen>(); // by topic: where the table first paused
    const pausedParts = new Set<string>(); // keyOf(topic, partition)
    let pauseFetch: (topic: string, partition: number) => void = () => undefined;
    const watch = createSchemaWatch(baselines);
    const schema: SchemaGuard = {
      watch,
      seen: (changes) => {
        for (const seen of changes) {
          const fields = { table: seen.table, at: seen.position, lsn: seen.lsn };
          if (seen.breaking) log.warn(`schema change: ${seen.description}`, fields);
          else log.info(`schema change: ${seen.description}; the sync goes on`, fields);
          const labels = { table: seen.table, kind: seen.change.kind };
          metrics.schemaChanges.inc({ ...labels, breaking: String(seen.breaking) });
          void options
            .recordSchemaChange?.(seen)
            .catch((error) =>
              log.warn('could not record a schema change', { error: errorMessage(error) }),
            );
        }
      },
      pause: (topic, at) => {
        const { partition } = at.position;
        if (pausedParts.has(keyOf({ topic, partition }))) return;
        pausedParts.add(keyOf({ topic, partition }));
        pauseFetch(topic, partition);
        const where = `${at.position.topic}[${partition}]@${at.position.offset}`;
        if (paused.has(topic))
          return log.info(`partition ${partition} of ${at.table} reached the change at ${where}`);
        paused.set(topic, at);
        metrics.pausedTables.set(paused.size);
        log.warn(
          `sync of ${at.table} paused at ${where}: ${at.description}; change the plan and the target, then mark the change resolved ('ficus schema-changes resolve <id>'): the sync resumes from this event`,
          { lsn: at.lsn },
        );
      },
      isPaused: (topic, partition) =>
        partition === undefined ? paused.has(topic) : pausedParts.has(keyOf({ topic, partition })),
    };
    for (const seen of options.openPauses ? await options.openPauses() : [])
      if (writers.has(seen.topic)) schema.pause(seen.topic, seen);
    copying =
      direction === 'forward'
        ? createCopyFollower({
            service,
            plan: options.plan,
            legacyUrl: options.legacyUrl,
            serviceUrl: options.serviceUrl,
            target,
            writers,
            retry,
            log,
            options: options.copy,
            pauseFetch: (topic, partition) => pauseFetch(topic, partition),
            resumeFetch: async (topic, partitions) => {
              const assigned = new Set(joined ? (assignment[topic] ?? []) : []);
              const mine = partitions.filter((p) => assigned.has(p));
              if (!mine.length || stopping) return;
              fetcher.resume(await positionsOf({ [topic]: mine }));
            },
          })
        : undefined;
    await copying?.prepare();
    // the copy needs no group: it starts before this worker has joined one
    copying?.start();
    const applier = createPartitionApplier({
      writers,
      deps: {
        target,
        source,
        group: groupId,
        service,
        sendDeadLetters,
        copy: copying?.guard,
        insertFirst: createInsertFirst(),
      },
      maxEvents: options.maxEventsPerTransaction ?? 5_000,
      retry,
      metrics,
      totals,
      lag,
      log,
      // Kafka's committed offset never runs ahead of the position stored with the rows
      commit: (batch, offset) =>
        void consumer
          .commitOffsets([{ topic: batch.topic, partition: batch.partition, offset }])
          .catch((error) =>
            log.debug('offset commit refused (rebalance?)', { error: errorMessage(error) }),
          ),
      fail,
      isStopping: () => stopping,
      schema,
      copyHold: copying?.hold,
    });
    const cluster = kafkaClusterView(admin);
    const fetcher = createPartitionFetcher({
      clientId: groupId,
      cluster,
      onBatch: (batch) => applier.take(batch),
      onFatal: fail,
      log: log.child('fetch'),
      retry,
    });
    pauseFetch = (topic, partition) => fetcher.pause(topic, partition);

    /** Where each assigned partition is fetched from: the position stored with the rows, the truth. */
    const positionsOf = async (assignment: Record<string, number[]>) => {
      const stored = await readPositions(target, groupId);
      const positions = [];
      for (const [topic, partitions] of Object.entries(assignment))
        for (const partition of partitions) {
          const found = stored.find((p) => p.topic === topic && p.partition === partition);
          const offset =
            found && BigInt(found.nextOffset) >= 0n
              ? BigInt(found.nextOffset)
              : await cluster.earliestOffset(topic, partition);
          positions.push({ topic, partition, offset });
        }
      return positions;
    };
    let joins = 0;
    let assignment: Record<string, number[]> = {};
    /** A paused topic whose change is resolved: its assigned partitions from the stored positions. */
    const resumeTopic = async (topic: string) => {
      const join = joins;
      const at = paused.get(topic);
      const parts = [...pausedParts].filter((key) => key.startsWith(`${topic}|`));
      paused.delete(topic);
      for (const key of parts) pausedParts.delete(key);
      metrics.pausedTables.set(paused.size);
      const positions = await withRetry(() => positionsOf({ [topic]: assignment[topic] ?? [] }), {
        ...retry,
        shouldStop: () => stopping,
      }).catch((error: unknown) => {
        if (at) paused.set(topic, at); // tried again at the next look
        for (const key of parts) pausedParts.add(key);
        throw error;
      });
      // a rebalance meanwhile assigned the partitions afresh (the topic no longer paused)
      if (join !== joins || stopping) return;
      fetcher.resume(positions); // the partitions not paused are fetched on as they are
      log.info(`sync of ${at?.table ?? topic} resumed: ${at?.description ?? ''} resolved`, {
        from: positions.map((p) => `${p.topic}[${p.partition}]@${p.offset}`),
      });
    };
    let rejoins = 0; // consecutive restarts of a crashed consumer, reset on joining
    let joined = false; // whether `assignment` is the group's current one
    consumer.on(consumer.events.REBALANCING, () => {
      joined = false;
      fetcher.assign([]);
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      // kafkajs's own fetching stays off (also after it restarts the consumer): ficus fetches
      consumer.pause(topics.map((topic) => ({ topic })));
      const join = ++joins;
      rejoins = 0;
      assignment = payload.memberAssignment;
      joined = true;
      void withRetry(() => positionsOf(payload.memberAssignment), {
        ...retry,
        shouldStop: () => stopping,
      })
        .then((positions) => {
          if (join !== joins || stopping) return; // a newer assignment came meanwhile
          // a paused table stays paused: its partitions are not fetched again
          fetcher.assign(
            positions.filter(
              (p) => !pausedParts.has(keyOf(p)) && !copying?.hold.isHeld(p.topic, p.partition),
            ),
          );
          log.info('joined the group', { assignment: payload.memberAssignment });
        })
        .catch(fail);
    });
    const runConsumer = async () => {
      await consumer.connect();
      await consumer.run({
        autoCommit: false,
        // never called while the partitions are paused (at most once, in a race at the start)
        eachBatch: async () => undefined,
        eachBatchAutoResolve: false,
      });
    };
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || stopping) return; // kafkajs starts it again itself
      if (groupCrashIsUnfixable(payload.error)) return fail(payload.error);
      // kafkajs has left the consumer stopped (group-crash.ts): out of the group, fetch nothing
      // until it has joined again
      fetcher.assign([]);
      // a consumer started again crashes again while the broker is still down: back off
      const delayMs = backoffDelay(++rejoins, retry);
      log.warn('group consumer stopped by kafkajs; joining the group again', {
        error: errorMessage(payload.error),
        inMs: delayMs,
      });
      void sleep(delayMs)
        .then(async () => {
          if (!stopping) await withRetry(runConsumer, { ...retry, shouldStop: () => stopping });
        })
        .catch(fail);
    });

    await consumer.subscribe({ topics, fromBeginning: true });
    await runConsumer();
    lag.start();
    const backfill = options.repairTable
      ? createSchemaBackfill({
          service,
          repair: options.repairTable,
          ownsFirstPartition: (topic) =>
            joined ? (assignment[topic] ?? []).includes(0) : undefined,
          log,
        })
      : undefined;
    const reload = createMappingReload({
      service,
      direction,
      topicPrefix,
      plan: options.plan,
      loadPlan: options.reloadPlan ?? (() => options.plan),
      compile: (plan, table, topic) =>
        compileTopic({ ...topology, plan, service: findService(plan, service) }, table, topic),
      writers,
      baselines,
      watch,
      isPaused: (topic) => schema.isPaused(topic),
      // without the kit DB's record a pause is never taken as resolved
      openPausedTopics: async () =>
        options.openPauses
          ? new Set((await options.openPauses()).map((p) => p.topic))
          : new Set(paused.keys()),
      resume: resumeTopic,
      backfill: backfill?.request,
      log,
    });
    let reloading: Promise<void> | null = null;
    let mappingLooks = 0;
    const reloader = setInterval(() => {
      if (reloading || stopping) return;
      reloading = reload
        .check()
        .catch((error) =>
          log.warn('could not look for a changed plan or table; trying again', {
            error: errorMessage(error),
          }),
        )
        .finally(() => {
          reloading = null;
          mappingLooks++;
          backfill?.tick();
        });
    }, options.reloadIntervalMs ?? 2_000);
    reloader.unref();
    const pruner = setInterval(() => void pruneOrigins(target).catch(() => undefined), 3_600_000);
    pruner.unref();
    log.info('sink started', { groupId, topics, dlqTopic });

    return {
      groupId,
      topics,
      metrics,
      failed,
      stats: () => ({
        ...totals,
        lag: lag.snapshot(),
        paused: Object.fromEntries(paused),
        mappingLooks,
        backfills: backfill?.stats() ?? { done: 0, failed: 0, pending: 0, running: false },
        copy: copying?.stats() ?? { chunks: 0, rows: 0, errors: 0, held: [] },
      }),
      stop: async () => {
        if (stopping) return;
        stopping = true;
        clearInterval(pruner);
        clearInterval(reloader);
        await reloading;
        backfill?.stop(); // one under way is abandoned (schema-backfill.ts says why that is safe)
        await copying?.stop(); // a chunk under way finishes (or is copied again by the next worker)
        lag.stop();
        // The batches being applied finish (or give up on a transient error: not applied).
        await fetcher.stop();
        await consumer
          .disconnect()
          .catch((e) => log.warn('consumer disconnect failed', { error: errorMessage(e) }));
        await applier.drain();
        await producer.disconnect().catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
        await Promise.all([legacy.end(), serviceDb.end()]);
        log.info('sink stopped', totals);
      },
    };
  } catch (error) {
    stopping = true;
    await copying?.stop();
    await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
    await Promise.allSettled([legacy.end(), serviceDb.end()]);
    throw error;
  }
}
