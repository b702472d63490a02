/**
 * Applies fetched batches behind the fetch: `take` hands a batch to its partition's chain and
 * returns once the batch before it on that partition is applied, so the next fetch of the
 * partition runs while this one is applied (one batch applied, at most one waiting, in offset
 * order). Exactly-once does not rest on this ordering alone: each transaction locks and checks
 * the stored position (apply-batch.ts). Also the accounting of what was applied (metrics, logs,
 * lag, Kafka's committed offsets).
 */
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { FetchedBatch } from '../kafka/partition-fetcher.ts';
import { keyOf } from '../kafka/partition-fetcher.ts';
import { applyBatch, type ApplyDeps, type ApplyResult } from './apply-batch.ts';
import type { LagTracker } from './lag-tracker.ts';
import { isTransient, withRetry, type RetryOptions } from '../../lib/retry.ts';
import type { SinkMetrics } from './sink-metrics.ts';
import type { TableWriter } from './table-writer.ts';
import type { SchemaChangeSeen, SchemaWatch } from './schema-watch.ts';

/** What the applier does about the schema the events carry (schema-watch.ts). */
export type SchemaGuard = {
  watch: SchemaWatch;
  /** changes seen for the first time (each once) */
  seen(changes: SchemaChangeSeen[]): void;
  /** stops the sync of the table's partition `at` is in: nothing at or after `at` is applied */
  pause(topic: string, at: SchemaChangeSeen): void;
  /** a partition stopped; without one, whether any partition of the table is */
  isPaused(topic: string, partition?: number): boolean;
};

export type SinkTotals = {
  applied: number;
  deadLetters: number;
  duplicates: number;
  echoes: number;
  /** events skipped because the initial copy held them already */
  inCopy: number;
  batches: number;
};

/** The partitions held until their table's initial copy is done (cdc/copy/). */
export type CopyHold = {
  hold(topic: string, partition: number): void;
  isHeld(topic: string, partition: number): boolean;
};

export type PartitionApplierOptions = {
  writers: Map<string, TableWriter>;
  deps: Omit<ApplyDeps, 'writer'>;
  /** most events per transaction (a fetched batch is cut into pieces this big) */
  maxEvents: number;
  retry: RetryOptions;
  metrics: SinkMetrics;
  totals: SinkTotals;
  lag: Pick<LagTracker, 'applied'>;
  log: Logger;
  /** records in Kafka that a partition is applied up to `offset` (never ahead of the rows) */
  commit(batch: FetchedBatch, offset: string): void;
  /** an error retrying cannot fix: the worker stops */
  fail(error: unknown): void;
  isStopping(): boolean;
  schema?: SchemaGuard;
  copyHold?: CopyHold;
};

const TRUNCATE_OP = Buffer.from('"op":"t"');
/** Debezium's truncate events are the only keyed-table events without a key. */
const isTruncate = (m: { key: Buffer | null; value: Buffer | null }) =>
  m.key === null && m.value !== null && m.value.includes(TRUNCATE_OP);

export function createPartitionApplier(options: PartitionApplierOptions) {
  const { metrics, totals, log, retry } = options;

  const account = (
    batch: FetchedBatch,
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
    metrics.skipped.inc({ reason: 'in-copy' }, result.inCopy);
    if (result.insertsMetRows) metrics.insertConflicts.inc({ table });
    totals.deadLetters += result.deadLetters.length;
    totals.duplicates += result.duplicates;
    totals.echoes += result.echoes;
    totals.inCopy += result.inCopy;
    totals.batches++;
    if (result.nextOffset !== null)
      options.lag.applied(
        batch.topic,
        batch.partition,
        BigInt(result.nextOffset),
        BigInt(batch.highWatermark),
      );
  };

  /**
   * Where a breaking column change starts in a chunk: the index of the first message written
   * under it, and the change as seen there; undefined when every message may be applied.
   * Reports the changes seen for the first time on the way.
   */
  const breakingAt = (chunk: FetchedBatch['messages'], batch: FetchedBatch) => {
    const guard = options.schema;
    if (!guard) return undefined;
    for (let i = 0; i < chunk.length; i++) {
      const message = chunk[i]; // carries its topic and partition: no copy per event
      const check = guard.watch.check(message);
      if (check.fresh.length) guard.seen(check.fresh);
      const breaking = check.changes.find((c) => c.breaking);
      if (breaking) {
        const position = { topic: batch.topic, partition: batch.partition, offset: message.offset };
        return { index: i, change: { ...breaking, position } };
      }
    }
    return undefined;
  };

  /** Applies one chunk in one transaction (retried). Never throws; false when it failed. */
  const applyChunk = async (
    batch: FetchedBatch,
    deps: ApplyDeps,
    chunk: FetchedBatch['messages'],
  ): Promise<boolean> => {
    const table = deps.writer.table;
    const timer = metrics.batchSeconds.startTimer({ table });
    let result;
    try {
      result = await withRetry(() => applyBatch(deps, chunk), {
        ...retry,
        shouldStop: options.isStopping,
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
      if (!(options.isStopping() && isTransient(error))) options.fail(error);
      return false;
    }
    timer();
    if (result.held) {
      options.copyHold?.hold(batch.topic, batch.partition);
      return true;
    }
    account(batch, table, chunk[0].offset, chunk.length, result);
    if (result.nextOffset !== null) options.commit(batch, result.nextOffset);
    return true;
  };

  /**
   * Applies a batch in transactions of at most `maxEvents`. Reports its own failure and never
   * throws; false when it failed, and the partition must go no further. At a breaking column
   * change the table's sync pauses: the events before it are applied, it and all after are not
   * (not dead-lettered either), so the stored position stays at it.
   */
  const applyFetched = async (batch: FetchedBatch, writer: TableWriter): Promise<boolean> => {
    const deps: ApplyDeps = { ...options.deps, writer };
    for (let i = 0; i < batch.messages.length; i += options.maxEvents) {
      if (
        options.isStopping() ||
        options.schema?.isPaused(batch.topic, batch.partition) ||
        options.copyHold?.isHeld(batch.topic, batch.partition)
      )
        return true;
      const chunk = batch.messages.slice(i, i + options.maxEvents);
      const stop = breakingAt(chunk, batch);
      const ready = stop ? chunk.slice(0, stop.index) : chunk;
      if (ready.length && !(await applyChunk(batch, deps, ready))) return false;
      if (stop) {
        options.schema!.pause(batch.topic, stop.change);
        return true;
      }
    }
    return true;
  };

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

  return {
    /** Hands a batch over; resolves once its partition may be fetched again. */
    async take(batch: FetchedBatch): Promise<void> {
      const writer = options.writers.get(batch.topic);
      if (
        !writer ||
        batch.messages.length === 0 ||
        options.schema?.isPaused(batch.topic, batch.partition) ||
        options.copyHold?.isHeld(batch.topic, batch.partition)
      )
        return;
      const partition = keyOf(batch);
      const truncates = batch.messages.some(isTruncate);
      const before = truncates
        ? [...applying].filter(([key]) => key.startsWith(`${batch.topic}|`)).map(([, p]) => p)
        : [applying.get(partition), truncating.get(batch.topic)];
      // a batch after one that failed is not applied: the worker is failing
      if (!(await settled(before)) || options.isStopping()) return;
      const work = applyFetched(batch, writer).finally(() => {
        if (applying.get(partition) === work) applying.delete(partition);
        if (truncating.get(batch.topic) === work) truncating.delete(batch.topic);
      });
      applying.set(partition, work);
      if (truncates) truncating.set(batch.topic, work);
    },
    /** Waits for the batches being applied (a stop lets them finish). */
    async drain(): Promise<void> {
      await Promise.all(applying.values());
    },
  };
}
