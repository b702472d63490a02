/**
 * Reads a Debezium change event's payload where it sits in the message bytes, without parsing
 * it. The sink needs the op, the source's `lsn` and `txId`, and the rows; the `source` block
 * (connector, version, database, sequence, timestamps…) is about half of a payload, and a row
 * that needs no decoding can go to PostgreSQL as the very bytes Debezium wrote. The JSON
 * converter writes the payload's fields in schema order:
 *
 *   {"before":…,"after":{…},"source":{…"txId":818,"lsn":683734360,…},"transaction":…,"op":"r",…}
 *
 * so the rows are everything before the last `,"source":{`, and the three scalars are found by
 * searching back from the end. Inside a JSON string every quote is escaped, so `,"source":{` and
 * `,"op":"` cannot occur in a string value; only a column of that name could hold them, and the
 * search goes backwards from the `op` that follows the source block. Anything not laid out
 * exactly so (heartbeats, another field order, a missing op) is left to a full parse.
 */
import { parseJson } from './exact-json.ts';

const ROWS_START = Buffer.from('{"before":');
const NO_BEFORE = Buffer.from('{"before":null,"after":{');
const AFTER_KEY = Buffer.from(',"after":{');
const SOURCE_KEY = Buffer.from(',"source":{');
const OP_KEY = Buffer.from(',"op":"');
const LSN_KEY = Buffer.from('"lsn":');
const TX_KEY = Buffer.from('"txId":');
const QUOTE = 0x22;
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const ZERO = 0x30;
const NINE = 0x39;
const NULL = Buffer.from('null');

export type PayloadLayout = {
  /** the op letter (r, c, u, d, t, m) */
  op: string;
  lsn: bigint | null;
  txId: number | null;
  /** where `,"source":{` starts: the rows are the bytes from the payload's start to here, plus `}` */
  rowsEnd: number;
};

/** The digits (or null) starting at `at`; undefined when neither. */
function integerAt(bytes: Buffer, at: number, end: number): string | null | undefined {
  if (bytes.compare(NULL, 0, NULL.length, at, Math.min(end, at + NULL.length)) === 0) return null;
  let stop = at;
  while (stop < end && bytes[stop] >= ZERO && bytes[stop] <= NINE) stop++;
  return stop > at ? bytes.toString('latin1', at, stop) : undefined;
}

/** A needle's last place at or before `from` and not before `start`; -1 when none. */
function lastAt(bytes: Buffer, needle: Buffer, from: number, start: number): number {
  const at = bytes.lastIndexOf(needle, from);
  return at >= start ? at : -1;
}

/**
 * Where the parts of the payload `bytes[start, end)` are, or undefined when it is not laid out as
 * a change event (then parse it whole).
 */
export function scanChangePayload(
  bytes: Buffer,
  start: number,
  end: number,
): PayloadLayout | undefined {
  if (end - start < ROWS_START.length + 2 || bytes[end - 1] !== CLOSE) return undefined;
  if (bytes.compare(ROWS_START, 0, ROWS_START.length, start, start + ROWS_START.length) !== 0)
    return undefined;
  const opAt = lastAt(bytes, OP_KEY, end - 1, start);
  const lsnAt = opAt < 0 ? -1 : lastAt(bytes, LSN_KEY, opAt, start);
  const txAt = lsnAt < 0 ? -1 : lastAt(bytes, TX_KEY, lsnAt, start);
  const rowsEnd = txAt < 0 ? -1 : lastAt(bytes, SOURCE_KEY, txAt, start);
  const opLetter = opAt + OP_KEY.length;
  if (rowsEnd < 0 || bytes[opLetter + 1] !== QUOTE) return undefined;
  const lsn = integerAt(bytes, lsnAt + LSN_KEY.length, end);
  const txId = integerAt(bytes, txAt + TX_KEY.length, end);
  if (lsn === undefined || txId === undefined) return undefined;
  return {
    op: String.fromCharCode(bytes[opLetter]),
    lsn: lsn === null ? null : BigInt(lsn),
    txId: txId === null ? null : Number(txId),
    rowsEnd,
  };
}

/** `{before, after}` of a scanned payload, parsed with every digit kept (the source block is not). */
export function parseRows(
  bytes: Buffer,
  start: number,
  layout: PayloadLayout,
): { before?: unknown; after?: unknown } {
  return parseJson(bytes.toString('utf8', start, layout.rowsEnd) + '}') as {
    before?: unknown;
    after?: unknown;
  };
}

/**
 * Where the `after` row's object sits, as `[start, end)`, when it is one; undefined otherwise.
 * Only for rows whose columns hold no objects (see the file comment: then `,"after":{` cannot
 * occur inside the after row itself, and the last one before the source block is the real one).
 */
export function afterRange(
  bytes: Buffer,
  start: number,
  layout: PayloadLayout,
): [number, number] | undefined {
  let at: number;
  if (bytes.compare(NO_BEFORE, 0, NO_BEFORE.length, start, start + NO_BEFORE.length) === 0)
    at = start + NO_BEFORE.length - 1;
  else {
    const key = lastAt(bytes, AFTER_KEY, layout.rowsEnd - 1, start);
    if (key < 0) return undefined;
    at = key + AFTER_KEY.length - 1;
  }
  if (bytes[at] !== OPEN || bytes[layout.rowsEnd - 1] !== CLOSE || at >= layout.rowsEnd)
    return undefined;
  return [at, layout.rowsEnd];
}
