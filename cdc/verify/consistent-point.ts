/**
 * A consistent point for parity: the legacy DB's current WAL position, and a wait until the
 * service's forward sink has applied everything committed before it.
 *
 * 1. record L = pg_current_wal_lsn() on the legacy DB, then write the connector's heartbeat row
 *    (a captured change after L, so the connector moves past L even when the data tables are idle);
 * 2. wait until the connector's committed source offset in Connect is at or past L: every change
 *    before L is then in Kafka;
 * 3. read the end offsets of the connector's data topics, and wait until the sink's applied
 *    positions (`ficus_sync_offsets` in the service DB, kept by cdc/sink, written in the same
 *    transaction as the rows) reach them.
 * Without a forward connector or without sink bookkeeping there is nothing to wait for: the
 * comparison is then "as of now" and the note says so.
 */
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import { FicusError } from '../../lib/errors.ts';
import type { Progress } from '../../lib/progress.ts';
import { sleep } from '../../lib/wait.ts';
import type { ConnectClient } from '../connect/connect-client.ts';
import { topicOf, type SourceConnectorSpec } from '../connect/source-config.ts';
import { beat } from '../connect/source-database.ts';
import { hasSyncOffsets, readSyncOffsets } from '../sink/sync-tables.ts';
import { parseLsn } from '../lsn.ts';
import { readCopies } from '../copy/copy-store.ts';
import { tableLabel } from '../../plan/qualified-table.ts';

type Db = Pick<pg.Pool, 'query'>;

export type ConsistentPoint = { lsn: string | null; note?: string };
export type WaitForConsistentPoint = () => Promise<ConsistentPoint>;

export class SinkBehindError extends FicusError {
  constructor(message: string) {
    super('sink_behind', message, { retriable: true });
  }
}

/** Debezium marks offsets taken during its initial snapshot; their LSN is where streaming will start. */
const inSnapshot = (offset: Record<string, unknown> | null) =>
  offset !== null &&
  offset.snapshot !== undefined &&
  offset.snapshot !== false &&
  offset.snapshot !== 'false' &&
  offset.last_snapshot_record !== true;

function committedLsn(offsets: { offset: Record<string, unknown> | null }[]): bigint | undefined {
  // Still snapshotting: rows read so far may predate changes already streamed to the target, so
  // no position is "passed" until the snapshot is over.
  if (offsets.some(({ offset }) => inSnapshot(offset))) return undefined;
  let best: bigint | undefined;
  for (const { offset } of offsets) {
    for (const field of ['lsn_commit', 'lsn', 'lsn_proc']) {
      const value = offset?.[field];
      if (typeof value !== 'number' && typeof value !== 'string') continue;
      const lsn = BigInt(value);
      if (best === undefined || lsn > best) best = lsn;
    }
  }
  return best;
}

async function endOffsets(
  admin: Admin,
  topics: string[],
): Promise<{ topic: string; partition: number; high: bigint }[]> {
  const existing = new Set(await admin.listTopics());
  const out: { topic: string; partition: number; high: bigint }[] = [];
  for (const topic of topics.filter((t) => existing.has(t))) {
    for (const p of await admin.fetchTopicOffsets(topic))
      out.push({ topic, partition: p.partition, high: BigInt(p.high) });
  }
  return out;
}

/** Per topic-partition, the furthest any consumer group has applied (undefined: no sink ran). */
async function appliedOffsets(db: Db, topics: string[]): Promise<Map<string, bigint> | undefined> {
  if (!(await hasSyncOffsets(db))) return undefined;
  const applied = new Map<string, bigint>();
  for (const row of await readSyncOffsets(db, { topics })) {
    const key = `${row.topic}:${row.partition}`;
    const next = BigInt(row.nextOffset);
    if (!applied.has(key) || next > applied.get(key)!) applied.set(key, next);
  }
  return applied;
}

/**
 * A table whose initial copy (cdc/copy/) is under way is not at any sink position yet: the sink
 * holds its events until the copy is done. So the point waits for the copies first.
 */
async function waitForInitialCopies(
  service: Db,
  spec: SourceConnectorSpec,
  deadline: number,
  progress?: Progress,
): Promise<void> {
  let said = '';
  for (;;) {
    const open = (await readCopies(service, spec.service)).filter((c) => c.state !== 'done');
    if (open.length === 0) return;
    const what = open.map(
      (c) =>
        `${tableLabel(c.source)} (${c.state}, ${c.rowsCopied}${c.estimatedRows === null ? '' : ` of ~${c.estimatedRows}`} rows)`,
    );
    if (Date.now() > deadline)
      throw new SinkBehindError(
        `the initial copy of ${what.join(', ')} is not done yet: its rows are not all in the service DB (\`ficus status\` shows its progress; is \`ficus sync ${spec.service}\` running?)`,
      );
    const line = `waiting for the initial copy of ${open.map((c) => tableLabel(c.source)).join(', ')}`;
    if (line !== said) progress?.step(line);
    said = line;
    await sleep(500);
  }
}

export function sinkConsistency(deps: {
  legacy: Db;
  service: Db;
  connect: ConnectClient;
  kafkaAdmin: Admin;
  spec: SourceConnectorSpec;
  timeoutMs?: number;
  progress?: Progress;
}): WaitForConsistentPoint {
  return async () => {
    const { legacy, service, connect, kafkaAdmin, spec, progress } = deps;
    const deadline = Date.now() + (deps.timeoutMs ?? 120_000);
    const lsnText = (
      await legacy.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
    ).rows[0].lsn;
    if (!(await connect.findStatus(spec.name)))
      return {
        lsn: null,
        note: `no connector ${spec.name}: compared as of now, not at a sink position`,
      };
    const lsn = parseLsn(lsnText);
    await beat(legacy, spec);
    progress?.step(`consistent point: legacy WAL ${lsnText}; waiting for ${spec.name} to pass it`);
    for (;;) {
      const committed = committedLsn((await connect.getOffsets(spec.name)).offsets);
      if (committed !== undefined && committed >= lsn) break;
      if (Date.now() > deadline)
        throw new SinkBehindError(
          `${spec.name} has not passed legacy WAL ${lsnText} in time (connector lagging or stopped)`,
        );
      await sleep(300);
    }
    if (spec.direction === 'forward') await waitForInitialCopies(service, spec, deadline, progress);
    const topics = spec.tables.map((t) => topicOf(spec, t));
    const ends = await endOffsets(kafkaAdmin, topics);
    progress?.step(`waiting for the sink to apply ${topics.join(', ')} up to their end offsets`);
    for (;;) {
      const applied = await appliedOffsets(service, topics);
      if (!applied)
        return {
          lsn: null,
          note: 'the service DB has no ficus_sync_offsets (sink never ran): compared as of now',
        };
      const behind = ends.filter(
        (e) => e.high > 0n && (applied.get(`${e.topic}:${e.partition}`) ?? -1n) < e.high,
      );
      if (behind.length === 0) return { lsn: lsnText };
      if (Date.now() > deadline) {
        const list = behind.map(
          (b) =>
            `${b.topic}[${b.partition}] applied ${applied.get(`${b.topic}:${b.partition}`) ?? 'nothing'} of ${b.high}`,
        );
        throw new SinkBehindError(
          `the sink has not caught up with legacy WAL ${lsnText}: ${list.join('; ')}`,
        );
      }
      await sleep(300);
    }
  };
}
