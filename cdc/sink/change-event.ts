/**
 * One Kafka message of a Debezium topic, parsed: a row change (snapshot read, create, update,
 * delete), a table truncate, a tombstone (the null value Debezium writes after a delete for log
 * compaction; nothing to apply), or a heartbeat. Anything else is poison and says why.
 */
import { FicusError } from '../../lib/errors.ts';
import { decodeRow, needsDecoding, type FieldSchema } from './decode-value.ts';
import { afterRange, parseRows, scanChangePayload } from './change-payload.ts';
import { createEnvelopeParser } from './envelope-parser.ts';
import { integerOf } from './exact-json.ts';
import { mayHoldUnavailable, withoutUnavailable } from './unavailable-value.ts';

const values = createEnvelopeParser();
const keys = createEnvelopeParser();

function parseKey(message: RawMessage, position: Position) {
  try {
    return keys.parse(message.topic, message.key!);
  } catch (error) {
    throw new PoisonEventError(`key is not valid JSON (${(error as Error).message})`, position);
  }
}

export type Op = 'r' | 'c' | 'u' | 'd' | 't';

/** Where a message sits in Kafka; every error and dead letter names it. */
export type Position = { topic: string; partition: number; offset: string };

export type RawMessage = Position & { key: Buffer | null; value: Buffer | null };

export type RowChange = Position & {
  kind: 'change';
  op: Exclude<Op, 't'>;
  /** stable identity of the row's key, for per-key collapse */
  keyId: string;
  /**
   * The staged row as JSON text (UTF-8): for r/c/u the new row, for d the old key columns (from
   * `before` and the message key). For a row that needs no decoding, the very bytes of the
   * event's `after` (a view into the message, not a copy).
   */
  row: Buffer;
  /**
   * For an update: the staged columns Debezium did not send (unchanged TOASTed values, see
   * unavailable-value.ts), absent from `row`; sorted. The target keeps its values for them.
   */
  unchanged?: readonly string[];
  lsn: bigint | null;
  txId: number | null;
};

export type Truncate = Position & { kind: 'truncate'; lsn: bigint | null; txId: number | null };
export type Skip = Position & { kind: 'tombstone' | 'heartbeat'; lsn: bigint | null };
export type ParsedMessage = RowChange | Truncate | Skip;

/** A message that can never be applied; it goes to the dead-letter topic, never retried. */
export class PoisonEventError extends FicusError {
  readonly position: Position;
  constructor(reason: string, position: Position) {
    super(
      'poison_event',
      `${position.topic}[${position.partition}]@${position.offset}: ${reason}`,
      { details: { ...position, reason } },
    );
    this.position = position;
  }
  get reason(): string {
    return String(this.details?.reason);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/** Debezium's `source.lsn`: a number, not PostgreSQL's text form. */
function sourceLsn(source: Record<string, unknown> | undefined): bigint | null {
  return integerOf(source?.lsn) ?? null;
}

function parseTxId(source: Record<string, unknown> | undefined): number | null {
  const tx = integerOf(source?.txId);
  return tx === undefined ? null : Number(tx);
}

export function keyIdentity(key: Record<string, unknown>): string {
  const names = Object.keys(key);
  if (names.length === 1) return JSON.stringify([key[names[0]]]);
  return JSON.stringify(names.sort().map((k) => key[k]));
}

/** Where the rows of a table go: the staged key columns every row must carry, for messages. */
export type RowTarget = { keyColumns: readonly string[]; table: string };
const ANY_TARGET: RowTarget = { keyColumns: [], table: 'the target' };

/**
 * Whether the `after` rows of a schema can go to PostgreSQL as Debezium wrote them: no column
 * needs decoding, and none holds an object (change-payload.ts finds the row by searching).
 * Computed once per schema (the envelope parser hands out one fields array per schema).
 */
const verbatim = new WeakMap<FieldSchema[], boolean>();
function afterIsVerbatim(fields: FieldSchema[] | undefined): boolean {
  if (!fields) return false;
  let known = verbatim.get(fields);
  if (known === undefined) {
    const columns = fields.find((f) => f.field === 'after')?.fields;
    known =
      !!columns &&
      columns.every((c) => !needsDecoding(c) && c.type !== 'struct' && c.type !== 'map');
    verbatim.set(fields, known);
  }
  return known;
}

/** The message key has a value for each of the target's key columns (and is not empty). */
function carriesKey(keyRow: Record<string, unknown>, target: RowTarget): boolean {
  if (target.keyColumns.length === 0) return Object.keys(keyRow).length > 0;
  return target.keyColumns.every((k) => keyRow[k] !== null && keyRow[k] !== undefined);
}

type Change = {
  op: Exclude<Op, 't'>;
  before: unknown;
  after: unknown;
  fields: FieldSchema[] | undefined;
  keyRow: Record<string, unknown> | undefined;
  lsn: bigint | null;
  txId: number | null;
};

const isRowOp = (op: unknown): op is Exclude<Op, 't'> =>
  op === 'r' || op === 'c' || op === 'u' || op === 'd';

/** A row decoded by its schema; a value that cannot be decoded makes the event poison. */
function decoded(
  row: Record<string, unknown>,
  fields: FieldSchema[] | undefined,
  position: Position,
): Record<string, unknown> {
  try {
    return decodeRow(row, fields);
  } catch (error) {
    throw new PoisonEventError(`a value cannot be decoded (${(error as Error).message})`, position);
  }
}

/** A row change from its parsed parts: rows decoded by their schema, checked for their key. */
function rowChange(position: Position, change: Change, target: RowTarget): RowChange {
  const { op, before, after, fields, keyRow } = change;
  const fieldsOf = (name: string) => fields?.find((f) => f.field === name)?.fields;
  let row: Record<string, unknown>;
  let unchanged: string[] = [];
  if (op === 'd') {
    if (!isRecord(before) && !keyRow)
      throw new PoisonEventError('delete without a key (no before, no message key)', position);
    row = { ...(isRecord(before) ? decoded(before, fieldsOf('before'), position) : {}), ...keyRow };
  } else {
    if (!isRecord(after)) throw new PoisonEventError(`op ${op} without an after row`, position);
    const afterFields = fieldsOf('after');
    // only an update can leave values out; an insert (or a snapshot read) sends every one
    const sent = op === 'u' ? withoutUnavailable(after, afterFields) : { row: after, unchanged };
    row = decoded(sent.row, afterFields, position);
    unchanged = sent.unchanged;
  }
  if (!keyRow || Object.keys(keyRow).length === 0)
    throw new PoisonEventError(
      "message has no key: its table has neither a primary key nor a unique key on the plan's key (`ficus check` names the table and the fix)",
      position,
    );
  if (target.keyColumns.some((k) => row[k] === null || row[k] === undefined))
    throw new PoisonEventError(
      `the row has no value for key column(s) ${target.keyColumns.join(', ')} of ${target.table}`,
      position,
    );
  return {
    ...position,
    kind: 'change',
    op,
    keyId: keyIdentity(keyRow),
    row: Buffer.from(JSON.stringify(row)),
    ...(unchanged.length ? { unchanged } : {}),
    lsn: change.lsn,
    txId: change.txId,
  };
}

function parseKeyRow(message: RawMessage, position: Position) {
  if (!message.key || message.key.length === 0) return undefined;
  const key = parseKey(message, position);
  return isRecord(key.payload) ? decoded(key.payload, key.fields, position) : undefined;
}

const notJson = (error: unknown, position: Position) =>
  new PoisonEventError(`value is not valid JSON (${(error as Error).message})`, position);

/** A payload that does not have the usual layout (change-payload.ts), parsed whole. */
function fromParsedPayload(
  message: RawMessage,
  position: Position,
  payload: unknown,
  fields: FieldSchema[] | undefined,
  target: RowTarget,
): ParsedMessage {
  if (!isRecord(payload)) throw new PoisonEventError('value payload is not an object', position);
  const source = isRecord(payload.source) ? payload.source : undefined;
  const op = payload.op;
  if (op === undefined && 'ts_ms' in payload && !('after' in payload))
    return { ...position, kind: 'heartbeat', lsn: sourceLsn(source) };
  if (op === 't')
    return { ...position, kind: 'truncate', lsn: sourceLsn(source), txId: parseTxId(source) };
  if (!isRowOp(op)) throw new PoisonEventError(`unknown op ${JSON.stringify(op)}`, position);
  const keyRow = parseKeyRow(message, position);
  const { before, after } = payload;
  const [lsn, txId] = [sourceLsn(source), parseTxId(source)];
  return rowChange(position, { op, before, after, fields, keyRow, lsn, txId }, target);
}

/**
 * Parses one message for the table `target` describes. Most change events are read where they
 * sit in the bytes (envelope-parser.ts, change-payload.ts): only the key and, where a row needs
 * decoding or is a delete, the rows are parsed; anything unusual is parsed whole.
 */
export function parseMessage(message: RawMessage, target: RowTarget = ANY_TARGET): ParsedMessage {
  const position: Position = {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
  };
  const value = message.value;
  if (value === null || value.length === 0) return { ...position, kind: 'tombstone', lsn: null };
  let located;
  try {
    located = values.locate(message.topic, value);
  } catch (error) {
    throw notJson(error, position);
  }
  const layout = located && scanChangePayload(value, located.start, located.end);
  if (!located || !layout) {
    let envelope;
    try {
      envelope = values.parse(message.topic, value);
    } catch (error) {
      throw notJson(error, position);
    }
    return fromParsedPayload(message, position, envelope.payload, envelope.fields, target);
  }
  const { op, lsn, txId } = layout;
  if (op === 't') return { ...position, kind: 'truncate', lsn, txId };
  if (!isRowOp(op)) throw new PoisonEventError(`unknown op ${JSON.stringify(op)}`, position);
  const keyRow = parseKeyRow(message, position);
  const fields = located.fields;
  if (op !== 'd' && keyRow && carriesKey(keyRow, target) && afterIsVerbatim(fields)) {
    const range = afterRange(value, located.start, layout);
    // an update's row that may leave a value out is parsed and looked at (unavailable-value.ts)
    if (range && !(op === 'u' && mayHoldUnavailable(value, range[0], range[1])))
      return {
        ...position,
        kind: 'change',
        op,
        keyId: keyIdentity(keyRow),
        row: value.subarray(range[0], range[1]),
        lsn,
        txId,
      };
  }
  let rows;
  try {
    rows = parseRows(value, located.start, layout);
  } catch (error) {
    throw notJson(error, position);
  }
  const { before, after } = rows;
  return rowChange(position, { op, before, after, fields, keyRow, lsn, txId }, target);
}
