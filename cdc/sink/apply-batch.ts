/**
 * Applies one Kafka batch (one topic-partition, messages in offset order) to the target DB in ONE
 * transaction: the rows (collapsed per key, one upsert and one delete statement), the sink's
 * origin marker, the dead letters (produced before the commit) and the partition's new position.
 * The position row is locked first and messages below it are skipped, so a batch delivered twice
 * (crash after commit, rebalance, a zombie consumer) has no second effect.
 *
 * A transaction is five round trips: open (with its settings and the origin marker), lock the
 * position, the rows, the position, commit. The rows go in set-based statements without a
 * savepoint; only when the target refuses one (a row it cannot take) is the batch applied again,
 * carefully: under savepoints, bisecting to the refused rows, which become dead letters. Inserts
 * go first as a plain INSERT (insert-first.ts); one that meets a key already there applies the
 * batch again with the upsert.
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
import { parseJson } from './exact-json.ts';
import { isUniqueViolation, type InsertFirst } from './insert-first.ts';
import { findOwnTransactions } from './no-echo.ts';
import { rowsParameter } from './rows-parameter.ts';
import { beginSyncTransactionSql } from './sync-origin.ts';
import { isTransient } from '../../lib/retry.ts';
import { lockPosition, storePosition } from './sync-tables.ts';
import type { TableWriter } from './table-writer.ts';
import type { CopyGuard } from '../copy/copy-guard.ts';

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
  /** forward: the bulk initial copy's hold on a table and the events it already holds */
  copy?: CopyGuard;
  /** which tables send their inserts as a plain INSERT; without it every row is upserted */
  insertFirst?: InsertFirst;
};

export type ApplyResult = {
  /** events applied, by op (after duplicates and echoes are dropped) */
  applied: Partial<Record<Op, number>>;
  duplicates: number;
  echoes: number;
  /** events skipped because the initial copy already holds them (cdc/copy/copy-filter.ts) */
  inCopy: number;
  /** the batch's plain INSERT met a key already in the target: it was applied again as upserts */
  insertsMetRows: boolean;
  /** the table waits for its initial copy: nothing was applied, the partition is to be held */
  held: boolean;
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

type ParsedBatch = {
  events: (Collapsible & Position & { lsn: bigint | null; txId?: number | null })[];
  /** poison found while parsing */
  letters: DeadLetter[];
  /** the highest source LSN of the batch */
  lsn: bigint | null;
};

function parseBatch(messages: RawMessage[], writer: TableWriter): ParsedBatch {
  const parsed: ParsedBatch = { events: [], letters: [], lsn: null };
  for (const message of messages) {
    try {
      const event = parseMessage(message, writer);
      if (event.lsn !== null && (parsed.lsn === null || event.lsn > parsed.lsn))
        parsed.lsn = event.lsn;
      if (event.kind === 'change' || event.kind === 'truncate') parsed.events.push(event);
    } catch (error) {
      if (!(error instanceof PoisonEventError)) throw error;
      parsed.letters.push({
        position: error.position,
        reason: error.reason,
        key: message.key,
        value: message.value,
      });
    }
  }
  return parsed;
}

/** A set-based statement met a row the target refuses: apply the batch again, carefully. */
class RowsRefused extends Error {}

/** The plain INSERT met a key already in the target: apply the batch again with the upsert. */
class InsertsMetRows extends Error {}

/**
 * How a transaction writes its rows: inserts as a plain INSERT and the rest as upserts; all as
 * upserts; or all as upserts under savepoints, bisecting to the rows the target refuses.
 */
type WriteMode = 'inserts-first' | 'upserts' | 'careful';

/** Where the rows of one transaction go, and what becomes of the ones that cannot be written. */
type SetWriting = {
  client: PoolClient;
  /** under savepoints, bisecting to the rows the target refuses */
  careful: boolean;
  letters: DeadLetter[];
  messages: RawMessage[];
  /** rows a partial update found no target row for (the statement returns their ordinals) */
  missing: RowChange[];
  byOffset?: Map<string, RawMessage>;
  /** the table's plain INSERT (run only when the transaction sends its inserts first) */
  insertSql: string;
};

/** Runs `sql` over `part`; the `{ n }` rows it returns name rows of `part` it could not write. */
async function runSet(w: SetWriting, sql: string, part: RowChange[]): Promise<void> {
  const { rows } = await w.client.query<{ n: string }>(sql, [rowsParameter(part)]);
  for (const r of rows) w.missing.push(part[Number(r.n) - 1]);
}

/** A dead letter of the batch's message at `position`. */
function letterOf(w: SetWriting, position: Position, reason: string): DeadLetter {
  w.byOffset ??= new Map(w.messages.map((m) => [m.offset, m]));
  const raw = w.byOffset.get(position.offset);
  return { position, reason, key: raw?.key ?? null, value: raw?.value ?? null };
}

/** Writes `changes` with `sql` in one statement; carefully, the rows it refuses become letters. */
async function writeSet(w: SetWriting, sql: string, changes: RowChange[]): Promise<number> {
  if (!w.careful) {
    try {
      await runSet(w, sql, changes);
      return 1;
    } catch (error) {
      if (sql === w.insertSql && isUniqueViolation(error)) throw new InsertsMetRows();
      throw isRowError(error) ? new RowsRefused() : error;
    }
  }
  const { failed, statements } = await bisect(
    changes,
    async (part) => {
      await w.client.query('SAVEPOINT ficus_rows');
      try {
        await runSet(w, sql, part);
        await w.client.query('RELEASE SAVEPOINT ficus_rows');
      } catch (error) {
        await w.client.query('ROLLBACK TO SAVEPOINT ficus_rows');
        throw error;
      }
    },
    isRowError,
  );
  for (const { item, error } of failed)
    w.letters.push(letterOf(w, item, `the target DB refused the row: ${(error as Error).message}`));
  return statements;
}

/**
 * The upserts as statements: whole rows in the upsert (or, for inserts when `insertsFirst`, in the
 * plain INSERT), rows an update sent in part (unchanged TOASTed values) in one partial update per
 * set of left-out columns.
 */
function upsertStatements(
  writer: TableWriter,
  upserts: RowChange[],
  insertsFirst: boolean,
): [string, RowChange[]][] {
  const whole: RowChange[] = [];
  const inserts: RowChange[] = [];
  const partial = new Map<string, RowChange[]>();
  for (const change of upserts) {
    const sql = change.unchanged && writer.partialUpdateSql(change.unchanged);
    if (sql) partial.set(sql, [...(partial.get(sql) ?? []), change]);
    else if (insertsFirst && change.op !== 'u') inserts.push(change);
    else whole.push(change);
  }
  return [[writer.insertSql, inserts], [writer.upsertSql, whole], ...partial];
}

/** Why an update sent in part was not applied: its row is not in the target. */
function missingRowReason(writer: TableWriter, service: string, change: RowChange): string {
  const row = parseJson(change.row.toString()) as Record<string, unknown>;
  const key = JSON.stringify(Object.fromEntries(writer.keyColumns.map((k) => [k, row[k]])));
  return (
    `${change.topic}[${change.partition}]@${change.offset}: an update of ${writer.table} key ${key} ` +
    `left out the unchanged value(s) of ${change.unchanged!.join(', ')} (TOASTed, REPLICA IDENTITY ` +
    `not FULL), and the row is not in the target, so it cannot be written whole; repair it with ` +
    `\`ficus verify ${service} --repair\` or a re-snapshot of the table`
  );
}

/**
 * The position row stays locked until the transaction ends, so a worker frozen in the middle of
 * one (a long GC pause, SIGSTOP, a VM suspended) would keep the worker that took its partition
 * over waiting on that row for as long as it stays frozen. The server ends such a transaction
 * after this long idle; the frozen worker, when it wakes, finds its connection gone and retries
 * the batch, whose messages the successor has applied meanwhile (skipped as duplicates). A
 * transaction is never idle this long otherwise: its statements follow each other, and only the
 * dead letters' send to Kafka comes in between (a send cut off retries the whole batch).
 */
const ZOMBIE_BOUND_SQL = `; SET LOCAL idle_in_transaction_session_timeout = '30s';`;

export async function applyBatch(deps: ApplyDeps, messages: RawMessage[]): Promise<ApplyResult> {
  if (messages.length === 0) return emptyResult();
  const parseStarted = performance.now();
  const parsed = parseBatch(messages, deps.writer);
  const parseMs = performance.now() - parseStarted;
  const dbStarted = performance.now();
  const own = deps.source
    ? await findOwnTransactions(
        deps.source,
        parsed.events.flatMap((e) => (e.txId == null ? [] : [e.txId])),
        deps.service,
      )
    : new Set<number>();
  const table = deps.writer.table;
  let mode: WriteMode = deps.insertFirst?.tryInserts(table) ? 'inserts-first' : 'upserts';
  let insertsMetRows = false;
  for (;;) {
    try {
      const result = await applyInTransaction(deps, messages, parsed, own, mode);
      return { ...result, insertsMetRows, parseMs, dbMs: performance.now() - dbStarted };
    } catch (error) {
      if (error instanceof InsertsMetRows) {
        deps.insertFirst?.conflicted(table);
        insertsMetRows = true;
        mode = 'upserts';
      } else if (error instanceof RowsRefused && mode !== 'careful') mode = 'careful';
      else throw error;
    }
  }
}

function emptyResult(): ApplyResult {
  return {
    applied: {},
    duplicates: 0,
    echoes: 0,
    inCopy: 0,
    insertsMetRows: false,
    held: false,
    deadLetters: [],
    statements: 0,
    nextOffset: null,
    gapFrom: null,
    parseMs: 0,
    dbMs: 0,
  };
}

async function applyInTransaction(
  deps: ApplyDeps,
  messages: RawMessage[],
  parsed: ParsedBatch,
  own: Set<number>,
  mode: WriteMode,
): Promise<ApplyResult> {
  const result = emptyResult();
  const { topic, partition } = messages[0];
  const letters = [...parsed.letters];
  const client = await deps.target.connect();
  const writing: SetWriting = {
    client,
    careful: mode === 'careful',
    letters,
    messages,
    missing: [],
    insertSql: deps.writer.insertSql,
  };
  let broken = false;
  // A connection that dies while checked out emits 'error' on the client (the pool only listens
  // on idle ones); without a listener that would crash the process instead of failing the query.
  const onConnectionError = () => {
    broken = true;
  };
  client.on('error', onConnectionError);
  try {
    // The sync's own transaction: the legacy write fence (rollout/legacy-fence.ts) lets exactly
    // these through once a service owns its tables. It applies as a replica, like PostgreSQL's
    // own logical replication: each table's changes arrive on topics of their own, so a child row
    // (order_items) may come before its parent (orders), and the target's foreign keys must not
    // refuse it; the source already enforced them. (Triggers, the fence included, do not fire
    // either: the sync is the one writer the fence lets through.) The origin marker (no-echo.ts)
    // lets the other direction recognise what this transaction writes.
    await client.query(beginSyncTransactionSql(deps.service) + ZOMBIE_BOUND_SQL);
    // the copy's hold is read under the position's lock: a copy being cut waits for this
    // transaction (copy-store.ts)
    const copyOf = deps.copy && { service: deps.service, ...deps.writer.legacyTable };
    const { next: stored, held } = await lockPosition(client, deps.group, topic, partition, copyOf);
    if (held) {
      await client.query('ROLLBACK');
      return { ...result, held: true };
    }
    const inCopy = deps.copy?.filter(topic);
    const first = BigInt(messages[0].offset);
    if (stored >= 0n && first > stored) result.gapFrom = stored;
    // Offsets rise through a batch: only a batch that starts below the stored position holds
    // messages applied before (a redelivery), and only those need comparing one by one.
    const replayed = first < stored;
    const isNew = (p: Position) => !replayed || BigInt(p.offset) >= stored;
    result.duplicates = replayed ? messages.filter((m) => !isNew(m)).length : 0;
    const rows: Collapsible[] = [];
    for (const e of parsed.events) {
      if (!isNew(e)) continue;
      if (e.txId != null && own.has(e.txId)) {
        result.echoes++;
        continue;
      }
      if (inCopy && e.kind === 'change' && inCopy(e)) {
        result.inCopy++;
        continue;
      }
      rows.push(e);
      const op = e.kind === 'change' ? e.op : 't';
      result.applied[op] = (result.applied[op] ?? 0) + 1;
    }
    const { truncateFirst, upserts, deletes } = collapse(rows);
    if (truncateFirst) await client.query(deps.writer.truncateSql);
    for (const [sql, changes] of [
      ...upsertStatements(deps.writer, upserts, mode === 'inserts-first'),
      [deps.writer.deleteSql, deletes] as const,
    ])
      if (changes.length) result.statements += await writeSet(writing, sql, changes);
    for (const change of writing.missing)
      letters.push(letterOf(writing, change, missingRowReason(deps.writer, deps.service, change)));
    const next = (BigInt(messages[messages.length - 1].offset) + 1n).toString();
    if (BigInt(next) > stored)
      await storePosition(client, deps.group, { topic, partition, offset: next }, parsed.lsn);
    result.deadLetters = letters.filter((l) => isNew(l.position));
    // Dead letters go out before the commit: a crash in between replays the batch, which may send
    // a letter twice (at-least-once for the DLQ) but never loses one.
    if (result.deadLetters.length) await deps.sendDeadLetters(result.deadLetters);
    await client.query('COMMIT');
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
