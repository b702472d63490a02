/**
 * Applies one Kafka batch (one topic-partition, messages in offset order) to the target DB in ONE
 * transaction: the rows (collapsed per key, one upsert and one delete statement), the sink's
 * origin marker, the dead letters (produced before the commit) and the partition's new position.
 * The position row is locked first and messages below it are skipped, so a batch delivered twice
 * (crash after commit, rebalance, a zombie consumer) has no second effect.
 */
import { performance } from 'node:perf_hooks';
import type { Pool, PoolClient } from 'pg';
import { bisect, isRowError } from './bisect.ts';
import {
  PoisonEventError,
  parseMessage,
  type Op,
  type Position,
  type RawMessage,
  type RowChange,
} from './change-event.ts';
import { collapse, type Collapsible } from './collapse.ts';
import { findOwnTransactions, markOwnTransaction } from './no-echo.ts';
import { SYNC_ORIGIN_SETTING, SYNC_ORIGIN_VALUE } from '../../rollout/legacy-fence.ts';
import { isTransient } from './retry.ts';
import { lockPosition, storePosition } from './sync-tables.ts';
import type { TableWriter } from './table-writer.ts';

export type DeadLetter = {
  position: Position;
  reason: string;
  key: Buffer | null;
  value: Buffer | null;
};

export type ApplyDeps = {
  target: Pool;
  /** the database the events come from, asked which transactions the other direction wrote */
  source: Pool | null;
  group: string;
  /** the service whose sink this is: its marker, and whose markers count as echoes */
  service: string;
  writer: TableWriter;
  sendDeadLetters: (letters: DeadLetter[]) => Promise<void>;
};

export type ApplyResult = {
  /** events applied, by op (after duplicates and echoes are dropped) */
  applied: Partial<Record<Op, number>>;
  duplicates: number;
  echoes: number;
  deadLetters: DeadLetter[];
  statements: number;
  /** first offset not yet applied; null when the batch was empty */
  nextOffset: string | null;
  /** where the stored position was, when the batch started past it (messages missing in Kafka) */
  gapFrom: bigint | null;
  /** time spent parsing the messages and in the database, ms */
  parseMs: number;
  dbMs: number;
};

function rowValues(changes: RowChange[]): string {
  return JSON.stringify(changes.map((c) => c.row));
}

async function writeSet(
  client: PoolClient,
  sql: string,
  changes: RowChange[],
  letters: DeadLetter[],
  byOffset: Map<string, RawMessage>,
): Promise<number> {
  const { failed, statements } = await bisect(
    changes,
    async (part) => {
      await client.query('SAVEPOINT ficus_rows');
      try {
        await client.query(sql, [rowValues(part)]);
        await client.query('RELEASE SAVEPOINT ficus_rows');
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT ficus_rows');
        throw error;
      }
    },
    isRowError,
  );
  for (const { item, error } of failed) {
    const raw = byOffset.get(item.offset);
    letters.push({
      position: item,
      reason: `the target DB refused the row: ${(error as Error).message}`,
      key: raw?.key ?? null,
      value: raw?.value ?? null,
    });
  }
  return statements;
}

export async function applyBatch(deps: ApplyDeps, messages: RawMessage[]): Promise<ApplyResult> {
  const result: ApplyResult = {
    applied: {},
    duplicates: 0,
    echoes: 0,
    deadLetters: [],
    statements: 0,
    nextOffset: null,
    gapFrom: null,
    parseMs: 0,
    dbMs: 0,
  };
  if (messages.length === 0) return result;
  const { topic, partition } = messages[0];
  const byOffset = new Map(messages.map((m) => [m.offset, m]));
  const letters: DeadLetter[] = [];
  const events: (Collapsible & Position & { lsn: bigint | null; txId?: number | null })[] = [];
  let lsn: bigint | null = null;
  const parseStarted = performance.now();
  for (const message of messages) {
    try {
      const parsed = parseMessage(message);
      if (parsed.lsn !== null && (lsn === null || parsed.lsn > lsn)) lsn = parsed.lsn;
      if (parsed.kind === 'change' || parsed.kind === 'truncate') events.push(parsed);
    } catch (error) {
      if (!(error instanceof PoisonEventError)) throw error;
      letters.push({
        position: error.position,
        reason: error.reason,
        key: message.key,
        value: message.value,
      });
    }
  }
  result.parseMs = performance.now() - parseStarted;
  const dbStarted = performance.now();
  const own = deps.source
    ? await findOwnTransactions(
        deps.source,
        events.flatMap((e) => (e.txId == null ? [] : [e.txId])),
        deps.service,
      )
    : new Set<number>();

  const client = await deps.target.connect();
  let broken = false;
  // A connection that dies while checked out emits 'error' on the client (the pool only listens
  // on idle ones); without a listener that would crash the process instead of failing the query.
  const onConnectionError = () => {
    broken = true;
  };
  client.on('error', onConnectionError);
  try {
    await client.query('BEGIN');
    // Marks the transaction as the sync's own: the legacy write fence (rollout/legacy-fence.ts)
    // lets exactly these through once a service owns its tables.
    await client.query(`SET LOCAL ${SYNC_ORIGIN_SETTING} = '${SYNC_ORIGIN_VALUE}'`);
    // Apply as a replica, like PostgreSQL's own logical replication: each table's changes arrive on
    // topics of their own, so a child row (order_items) may come before its parent (orders), and
    // the target's foreign keys must not refuse it; the source already enforced them. (Triggers,
    // the fence included, do not fire either: the sync is the one writer the fence lets through.)
    await client.query('SET LOCAL session_replication_role = replica');
    const stored = await lockPosition(client, deps.group, topic, partition);
    const first = BigInt(messages[0].offset);
    if (stored >= 0n && first > stored) result.gapFrom = stored;
    const isNew = (p: Position) => BigInt(p.offset) >= stored;
    result.duplicates = messages.filter((m) => !isNew(m)).length;
    const fresh = events.filter((e) => {
      if (!isNew(e)) return false;
      if (e.txId != null && own.has(e.txId)) return (result.echoes++, false);
      return true;
    });
    const rows: Collapsible[] = [];
    for (const e of fresh) {
      if (
        e.kind === 'change' &&
        deps.writer.keyColumns.some((k) => e.row[k] === null || e.row[k] === undefined)
      ) {
        const raw = byOffset.get(e.offset)!;
        letters.push({
          position: e,
          reason: `the row has no value for key column(s) ${deps.writer.keyColumns.join(', ')} of ${deps.writer.table}`,
          key: raw.key,
          value: raw.value,
        });
        continue;
      }
      rows.push(e);
      const op = e.kind === 'change' ? e.op : 't';
      result.applied[op] = (result.applied[op] ?? 0) + 1;
    }
    const { truncateFirst, upserts, deletes } = collapse(rows);
    if (truncateFirst) await client.query(deps.writer.truncateSql);
    if (upserts.length)
      result.statements += await writeSet(
        client,
        deps.writer.upsertSql,
        upserts,
        letters,
        byOffset,
      );
    if (deletes.length)
      result.statements += await writeSet(
        client,
        deps.writer.deleteSql,
        deletes,
        letters,
        byOffset,
      );
    if (truncateFirst || upserts.length || deletes.length)
      await markOwnTransaction(client, deps.service);
    const last = messages[messages.length - 1];
    const next = (BigInt(last.offset) + 1n).toString();
    if (BigInt(next) > stored)
      await storePosition(client, deps.group, { topic, partition, offset: next }, lsn);
    result.deadLetters = letters.filter((l) => isNew(l.position));
    // Dead letters go out before the commit: a crash in between replays the batch, which may send
    // a letter twice (at-least-once for the DLQ) but never loses one.
    if (result.deadLetters.length) await deps.sendDeadLetters(result.deadLetters);
    await client.query('COMMIT');
    result.dbMs = performance.now() - dbStarted;
    result.nextOffset = next;
    return result;
  } catch (error) {
    // A connection that failed mid-transaction is thrown away rather than returned to the pool.
    broken = broken || isTransient(error);
    if (!broken) await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.off('error', onConnectionError);
    client.release(broken);
  }
}
