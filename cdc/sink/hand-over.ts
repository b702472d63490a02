/**
 * The hand-over primitive of the write cut-over (canary -> live, and back), for the proxy and
 * rollout code:
 *
 *   import { handOver, waitUntilApplied } from '../cdc/sink/hand-over.ts';
 *   // writes to the service's routes are held by the proxy here
 *   const { lsn } = await handOver({ service: 'catalog', from: 'forward', to: 'reverse' });
 *   // everything legacy had committed is now in the service DB: flip routing, release writes
 *
 * `waitUntilApplied` resolves once the sink of a direction has applied everything its source DB
 * had committed up to `lsn`:
 * 1. Debezium has read past `lsn`: its replication slot's confirmed_flush_lsn is >= lsn. Connect
 *    confirms a position to the slot only after every record before it is acknowledged by Kafka,
 *    so from then on every event < lsn is in Kafka. An idle source DB gives Debezium nothing to
 *    confirm, so while waiting a logical decoding message (pg_logical_emit_message, decoded only by
 *    slots of that DB; Debezium publishes it to `<topic.prefix>.message`) is emitted every second,
 *    and handOver also writes the connector's heartbeat row at once.
 * 2. Then the topics' high watermarks are read, and we wait until the sink's stored position of
 *    every partition (ficus_sync_offsets, written with the rows) has reached them.
 */
import pg from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { FicusError } from '../../lib/errors.ts';
import { waitFor } from '../../lib/wait.ts';
import { createLogger } from '../../lib/logger.ts';
import type { Direction } from '../../plan/mapping.ts';
import { findService } from '../../plan/load-plan.ts';
import { sourceConnectorSpec } from '../connect/source-config.ts';
import { beat } from '../connect/source-database.ts';
import { sinkOptionsFromStack } from './sink-config.ts';
import { defaultTopicPrefix, directionTables } from './sink-topology.ts';
import { parseLsnText, readPositions } from './sync-tables.ts';
import type { SinkWorkerOptions } from './sink-worker.ts';

export type ApplyTarget = { service: string; direction: Direction } & Partial<
  Pick<
    SinkWorkerOptions,
    'plan' | 'legacyUrl' | 'serviceUrl' | 'brokers' | 'groupId' | 'topicPrefix'
  >
> & {
    /** replication slot of the feeding connector; default the one `ficus connectors apply` creates */
    slot?: string;
  };

export type WaitOptions = ApplyTarget & { lsn: string; timeoutMs?: number; intervalMs?: number };

function resolve(target: ApplyTarget) {
  const defaults =
    target.legacyUrl && target.serviceUrl && target.brokers && target.plan
      ? undefined
      : sinkOptionsFromStack({
          service: target.service,
          direction: target.direction,
          plan: target.plan,
        });
  const plan = target.plan ?? defaults!.plan;
  const service = findService(plan, target.service);
  const legacyUrl = target.legacyUrl ?? defaults!.legacyUrl;
  const serviceUrl = target.serviceUrl ?? defaults!.serviceUrl;
  const topicPrefix = target.topicPrefix ?? defaultTopicPrefix(target.service, target.direction);
  const forward = target.direction === 'forward';
  const spec = sourceConnectorSpec(plan, service, target.direction, {
    endpoint: { host: '', port: 0, user: '', password: '', database: '' },
  });
  return {
    plan,
    service,
    brokers: target.brokers ?? defaults!.brokers,
    groupId: target.groupId ?? `ficus-sync-${target.service}-${target.direction}`,
    topics: directionTables(plan, service, target.direction, topicPrefix).map((t) => t.topic),
    sourceUrl: forward ? legacyUrl : serviceUrl,
    targetUrl: forward ? serviceUrl : legacyUrl,
    slot: target.slot ?? spec.slot,
    spec,
  };
}

/**
 * A client that hears its own connection errors: a database restarting during a hand-over would
 * otherwise end the process with an 'error' nobody listened for; now the next query fails ("not
 * queryable") and the hand-over reports it through its own error path.
 */
function listening(client: pg.Client): pg.Client {
  client.on('error', () => undefined);
  return client;
}

export class HandOverError extends FicusError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('hand_over_failed', message, { retriable: true, details });
  }
}

export async function waitUntilApplied(options: WaitOptions): Promise<{ waitedMs: number }> {
  const started = Date.now();
  const r = resolve(options);
  const lsn = parseLsnText(options.lsn);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 100;
  const source = listening(new pg.Client({ connectionString: r.sourceUrl }));
  const target = listening(new pg.Client({ connectionString: r.targetUrl }));
  const admin = new Kafka({
    clientId: `${r.groupId}-hand-over`,
    brokers: r.brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await Promise.all([source.connect(), target.connect(), admin.connect()]);
  try {
    const where = `${options.service} ${options.direction}`;
    let nudgedAt = 0;
    await waitFor(
      `${where}: Debezium (slot ${r.slot}) to read past ${options.lsn}`,
      async () => {
        const { rows } = await source.query<{ confirmed: string | null }>(
          'SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1',
          [r.slot],
        );
        if (rows.length === 0)
          throw new HandOverError(
            `${where}: no replication slot ${r.slot} in the source DB (is the connector applied?)`,
          );
        if (rows[0].confirmed !== null && parseLsnText(rows[0].confirmed) >= lsn) return true;
        // An idle source database gives Debezium nothing to confirm past lsn (other databases of
        // the cluster move the WAL on): a logical decoding message in this database, decoded by
        // this slot only, gives it something, without touching any table.
        if (Date.now() - nudgedAt > 1_000) {
          nudgedAt = Date.now();
          await source.query("SELECT pg_logical_emit_message(false, 'ficus-hand-over', '')");
        }
        return false;
      },
      { timeoutMs: Math.max(0, timeoutMs - (Date.now() - started)), intervalMs },
    );
    const ends = new Map<string, bigint>();
    for (const topic of r.topics) {
      for (const p of await admin.fetchTopicOffsets(topic))
        if (p.high !== p.low) ends.set(`${topic}:${p.partition}`, BigInt(p.high));
    }
    await waitFor(
      `${where}: the sink to apply every event up to ${options.lsn}`,
      async () => {
        const stored = await readPositions(target, r.groupId);
        const applied = new Map(
          stored.map((s) => [`${s.topic}:${s.partition}`, BigInt(s.nextOffset)]),
        );
        return [...ends].every(([key, end]) => (applied.get(key) ?? -1n) >= end);
      },
      { timeoutMs: Math.max(0, timeoutMs - (Date.now() - started)), intervalMs },
    );
    return { waitedMs: Date.now() - started };
  } finally {
    await Promise.allSettled([source.end(), target.end(), admin.disconnect()]);
  }
}

export type HandOverOptions = Omit<ApplyTarget, 'direction'> & {
  from: Direction;
  to: Direction;
  timeoutMs?: number;
  /** called once `from` has applied everything: start `to` here (without it, handOver only logs that `to` may start) */
  onApplied?: (result: { lsn: string }) => Promise<void> | void;
};

/**
 * Records the source's current WAL position, waits until the `from` direction has applied it, and
 * then lets `to` start. Writes must be held (proxy) while this runs, or the position moves on.
 */
export async function handOver(
  options: HandOverOptions,
): Promise<{ lsn: string; waitedMs: number }> {
  if (options.from === options.to)
    throw new HandOverError(
      `hand-over of ${options.service}: from and to are both ${options.from}`,
    );
  const log = createLogger(`sync:${options.service}:hand-over`);
  const r = resolve({ ...options, direction: options.from });
  const source = listening(new pg.Client({ connectionString: r.sourceUrl }));
  await source.connect();
  let lsn: string;
  try {
    ({
      rows: [{ lsn }],
    } = await source.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'));
    // A heartbeat now, so that Debezium confirms past lsn without waiting for its next interval.
    await beat(source, r.spec).catch((error) =>
      log.debug('no heartbeat table to nudge', { error: (error as Error).message }),
    );
  } finally {
    await source.end();
  }
  log.info(`waiting until ${options.from} has applied everything up to ${lsn}`);
  const { waitedMs } = await waitUntilApplied({
    ...options,
    direction: options.from,
    lsn,
    timeoutMs: options.timeoutMs,
  });
  log.info(`${options.from} applied up to ${lsn} in ${waitedMs} ms; ${options.to} may start`);
  await options.onApplied?.({ lsn });
  return { lsn, waitedMs };
}
