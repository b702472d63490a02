/**
 * Unchanged TOASTed values. With a table's default replica identity, PostgreSQL's logical
 * decoding does not send a large (TOASTed) value that an UPDATE left unchanged, and Debezium puts
 * its `unavailable.value.placeholder` in its place, shaped to the column's type
 * (UnchangedToastedPlaceholder in the Debezium PostgreSQL connector):
 *
 * | column type                             | the placeholder sent                            |
 * | --------------------------------------- | ----------------------------------------------- |
 * | text, varchar, json(b), xml, numeric …  | the placeholder string                          |
 * | bytea                                   | the placeholder's bytes (base64)                |
 * | text[], varchar[], json(b)[]            | a one-element array of the placeholder string   |
 * | bytea[]                                 | a one-element array of the placeholder's bytes  |
 * | integer[], date[], bigint[]             | the placeholder's bytes as numbers              |
 * | uuid[]                                  | a one-element array of UUID v3 of the bytes     |
 * | hstore                                  | `{placeholder: placeholder}` (or as JSON text)  |
 *
 * Such a value means "as it was", never the text: the sink leaves those columns of the target row
 * as they are (see plan/partial-update.ts). Only updates carry them; an insert sends every value.
 */
import { createHash } from 'node:crypto';
import type { FieldSchema } from './decode-value.ts';

/** Debezium's default, set explicitly on ficus's connectors (cdc/connect/source-config.ts). */
export const UNAVAILABLE_VALUE_PLACEHOLDER = '__debezium_unavailable_value';

const BYTES = Buffer.from(UNAVAILABLE_VALUE_PLACEHOLDER);
const BASE64 = BYTES.toString('base64');
const NUMBERS = [...BYTES].join(',');

/** Java's UUID.nameUUIDFromBytes: MD5, version 3, IETF variant. */
function nameUuid(bytes: Buffer): string {
  const md5 = createHash('md5').update(bytes).digest();
  md5[6] = (md5[6] & 0x0f) | 0x30;
  md5[8] = (md5[8] & 0x3f) | 0x80;
  const hex = md5.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
const UUID = nameUuid(BYTES);

const SINGLE = new Set([UNAVAILABLE_VALUE_PLACEHOLDER, BASE64, UUID]);

/** Whether a column's value (as Debezium sent it, before decoding) is the placeholder. */
export function isUnavailable(value: unknown, schema: FieldSchema | undefined): boolean {
  if (value === UNAVAILABLE_VALUE_PLACEHOLDER) return true;
  if (typeof value === 'string') return schema?.type === 'bytes' && value === BASE64;
  if (Array.isArray(value)) {
    if (value.length === 1) return SINGLE.has(value[0] as string);
    return value.length === BYTES.length && value.join(',') === NUMBERS;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return (
      entries.length === 1 &&
      entries[0][0] === UNAVAILABLE_VALUE_PLACEHOLDER &&
      entries[0][1] === UNAVAILABLE_VALUE_PLACEHOLDER
    );
  }
  return false;
}

// What a row taken as Debezium wrote it (no column decoded: no bytes, no dates) can hold.
const NEEDLES = [`"${UNAVAILABLE_VALUE_PLACEHOLDER}"`, `[${NUMBERS}]`, `"${UUID}"`].map((n) =>
  Buffer.from(n),
);

/** Whether `bytes[start, end)` may hold a placeholder (then the row is parsed and looked at). */
export function mayHoldUnavailable(bytes: Buffer, start: number, end: number): boolean {
  for (const needle of NEEDLES) {
    const at = bytes.indexOf(needle, start);
    if (at >= 0 && at + needle.length <= end) return true;
  }
  return false;
}

/**
 * The row without its unavailable columns, and their names (sorted); `unchanged` is empty (and
 * `row` the same object) when every value was sent.
 */
export function withoutUnavailable(
  row: Record<string, unknown>,
  fields: FieldSchema[] | undefined,
): { row: Record<string, unknown>; unchanged: string[] } {
  const schemaOf = (name: string) => fields?.find((f) => f.field === name);
  const unchanged = Object.keys(row).filter((name) => isUnavailable(row[name], schemaOf(name)));
  if (unchanged.length === 0) return { row, unchanged };
  const kept = { ...row };
  for (const name of unchanged) delete kept[name];
  return { row: kept, unchanged: unchanged.sort() };
}
