/**
 * One Kafka message of a Debezium topic, parsed: a row change (snapshot read, create, update,
 * delete), a table truncate, a tombstone (the null value Debezium writes after a delete for log
 * compaction; nothing to apply), or a heartbeat. Anything else is poison and says why.
 */
import { FicusError } from '../../lib/errors.ts';
import { decodeRow, type FieldSchema } from './decode-value.ts';
import { parseChangePayload } from './change-payload.ts';
import { createEnvelopeParser } from './envelope-parser.ts';

const parseValueEnvelope = createEnvelopeParser(parseChangePayload);
const parseKeyEnvelope = createEnvelopeParser();

function parseKey(message: RawMessage, position: Position) {
  try {
    return parseKeyEnvelope(message.topic, message.key!);
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
  /** the new row for r/c/u; for d the old key columns (from `before` and the message key) */
  row: Record<string, unknown>;
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

function parseLsn(source: Record<string, unknown> | undefined): bigint | null {
  const lsn = source?.lsn;
  return typeof lsn === 'number' || typeof lsn === 'string' ? BigInt(lsn) : null;
}

function parseTxId(source: Record<string, unknown> | undefined): number | null {
  const tx = source?.txId;
  return typeof tx === 'number' ? tx : typeof tx === 'string' ? Number(tx) : null;
}

export function keyIdentity(key: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(key)
      .sort()
      .map((k) => key[k]),
  );
}

export function parseMessage(message: RawMessage): ParsedMessage {
  const position: Position = {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
  };
  if (message.value === null || message.value.length === 0)
    return { ...position, kind: 'tombstone', lsn: null };
  let value: { payload: unknown; fields?: FieldSchema[] };
  try {
    value = parseValueEnvelope(message.topic, message.value);
  } catch (error) {
    throw new PoisonEventError(`value is not valid JSON (${(error as Error).message})`, position);
  }
  if (!isRecord(value.payload))
    throw new PoisonEventError('value payload is not an object', position);
  const payload = value.payload;
  const source = isRecord(payload.source) ? payload.source : undefined;
  const op = payload.op;
  if (op === undefined && 'ts_ms' in payload && !('after' in payload))
    return { ...position, kind: 'heartbeat', lsn: parseLsn(source) };
  if (op === 't')
    return { ...position, kind: 'truncate', lsn: parseLsn(source), txId: parseTxId(source) };
  if (op !== 'r' && op !== 'c' && op !== 'u' && op !== 'd')
    throw new PoisonEventError(`unknown op ${JSON.stringify(op)}`, position);

  const fieldsOf = (name: string) => value.fields?.find((f) => f.field === name)?.fields;
  const key = message.key && message.key.length ? parseKey(message, position) : undefined;
  const keyRow = key && isRecord(key.payload) ? decodeRow(key.payload, key.fields) : undefined;
  let row: Record<string, unknown>;
  if (op === 'd') {
    if (!isRecord(payload.before) && !keyRow)
      throw new PoisonEventError('delete without a key (no before, no message key)', position);
    row = {
      ...(isRecord(payload.before) ? decodeRow(payload.before, fieldsOf('before')) : {}),
      ...keyRow,
    };
  } else {
    if (!isRecord(payload.after))
      throw new PoisonEventError(`op ${op} without an after row`, position);
    row = decodeRow(payload.after, fieldsOf('after'));
  }
  if (!keyRow || Object.keys(keyRow).length === 0)
    throw new PoisonEventError('message has no key', position);
  return {
    ...position,
    kind: 'change',
    op,
    keyId: keyIdentity(keyRow),
    row,
    lsn: parseLsn(source),
    txId: parseTxId(source),
  };
}
