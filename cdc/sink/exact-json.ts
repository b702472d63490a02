/**
 * JSON parsing that loses no digits. Debezium writes a bigint as a JSON number, and JSON.parse
 * rounds any integer beyond 2^53 to the nearest double (9007199254740993 becomes …992): a key
 * would then name another row, a value would be written wrong. Numbers whose text a double cannot
 * hold are kept as `JSON.rawJSON` values instead (Node 21+): JSON.stringify writes them back as
 * the very digits Debezium sent, so a parsed row goes to PostgreSQL exact.
 */

/** A number kept as its JSON text (what JSON.rawJSON makes). */
export type RawJson = { readonly rawJSON: string };

// TypeScript's lib does not know these yet (V8 11.4+, Node 21+).
const NativeJson = JSON as JSON & {
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
  parse(
    text: string,
    reviver: (key: string, value: unknown, context: { source?: string }) => unknown,
  ): unknown;
};

// A double holds every integer of up to 15 digits; only longer digit runs can need keeping.
const LONG_DIGITS = /\d{16}/;

const keepUnsafeIntegers = (_key: string, value: unknown, context: { source?: string }) =>
  typeof value === 'number' && isInteger(context.source) && String(value) !== context.source
    ? NativeJson.rawJSON(context.source)
    : value;

const isInteger = (text: string | undefined): text is string =>
  text !== undefined && /^-?\d+$/.test(text);

/** JSON.parse, with integers beyond 2^53 kept exact (as raw JSON); the fast JSON.parse otherwise. */
export function parseJson(text: string): unknown {
  return LONG_DIGITS.test(text) ? NativeJson.parse(text, keepUnsafeIntegers) : JSON.parse(text);
}

export const isRawJson = (value: unknown): value is RawJson => NativeJson.isRawJSON(value);

/** An integer as Debezium sent it (a number, or raw JSON digits), exact; undefined otherwise. */
export function integerOf(value: unknown): bigint | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string' || typeof value === 'bigint')
    return isInteger(String(value)) ? BigInt(value) : undefined;
  if (isRawJson(value) && isInteger(value.rawJSON)) return BigInt(value.rawJSON);
  return undefined;
}
