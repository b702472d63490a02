/**
 * Parses the payload of a Debezium change event without parsing its `source` block. The sink
 * needs only the rows, the op, and the source's `lsn` and `txId`; the source block (connector,
 * version, database, sequence, timestamps…) is about half of a typical payload and took half of
 * the parse time. The JSON converter writes the payload's fields in schema order:
 *
 *   {"before":…,"after":…,"source":{…"txId":818,"lsn":683734360,…},"transaction":…,"op":"r",…}
 *
 * so the rows are everything before the last `,"source":{` (a string value cannot contain that
 * text with raw quotes, and nothing after the real source key is named `source`), parsed as JSON;
 * the rest is searched for the three scalars. Anything that does not look exactly like that
 * (heartbeats, another field order, a missing op) is parsed whole, as before.
 */
const ROWS_START = '{"before":';
const SOURCE_KEY = ',"source":{';
const OP_KEY = ',"op":"';
const LSN_KEY = '"lsn":';
const TX_KEY = '"txId":';
const QUOTE = 34;
const ZERO = 48;
const NINE = 57;

export type ChangePayload = {
  before?: unknown;
  after?: unknown;
  op?: unknown;
  source?: { lsn?: string | number | null; txId?: number | null };
};

/** The digits (or null) starting at `start`; undefined when neither. */
function integerAt(text: string, start: number): string | null | undefined {
  if (text.startsWith('null', start)) return null;
  let end = start;
  for (let c = text.charCodeAt(end); c >= ZERO && c <= NINE; c = text.charCodeAt(++end));
  return end > start ? text.slice(start, end) : undefined;
}

export function parseChangePayload(text: string): unknown {
  if (!text.startsWith(ROWS_START) || !text.endsWith('}')) return JSON.parse(text);
  // Searched from the end, each from the one after it: the tail is short, the rows may be long.
  const opAt = text.lastIndexOf(OP_KEY);
  const lsnAt = opAt < 0 ? -1 : text.lastIndexOf(LSN_KEY, opAt);
  const txAt = lsnAt < 0 ? -1 : text.lastIndexOf(TX_KEY, lsnAt);
  const sourceAt = txAt < 0 ? -1 : text.lastIndexOf(SOURCE_KEY, txAt);
  if (sourceAt < 0 || text.charCodeAt(opAt + OP_KEY.length + 1) !== QUOTE) return JSON.parse(text);
  const lsn = integerAt(text, lsnAt + LSN_KEY.length);
  const txId = integerAt(text, txAt + TX_KEY.length);
  if (lsn === undefined || txId === undefined) return JSON.parse(text);
  const rows = JSON.parse(text.slice(0, sourceAt) + '}') as { before?: unknown; after?: unknown };
  return {
    before: rows.before,
    after: rows.after,
    op: text.charAt(opAt + OP_KEY.length),
    source: { lsn, txId: txId === null ? null : Number(txId) },
  } satisfies ChangePayload;
}
