/**
 * Debezium encodes some PostgreSQL types as Kafka Connect logical types (days since epoch,
 * microseconds, base64 bytes, ...). The sink hands rows to PostgreSQL as JSON, so each such value
 * is turned back into the text form PostgreSQL parses for that type. Which conversion applies is
 * read from the field schemas that ride in every message (JSON converter, schemas enabled); an
 * array column (`type: array`) carries its element's schema in `items` and is decoded element by
 * element (date[], timestamp[], bytea[], numeric[] …).
 */
import { integerOf } from './exact-json.ts';

/** The schema of a value: a column's, or an array's elements' (`items`). */
export type ValueSchema = {
  type: string;
  name?: string;
  parameters?: Record<string, string>;
  fields?: FieldSchema[];
  items?: ValueSchema;
};

/** The schema of a struct's field (a column of a row). */
export type FieldSchema = ValueSchema & { field: string };

const SECONDS_PER_DAY = 86_400n;

function pad(n: number | bigint, width = 2): string {
  return String(n).padStart(width, '0');
}

/** An int64 Debezium sent (a number, or exact digits beyond 2^53); poison when it is neither. */
function integer(value: unknown, what: string): bigint {
  const n = integerOf(value);
  if (n === undefined) throw new TypeError(`${what}: ${JSON.stringify(value)} is not an integer`);
  return n;
}

/** Floor division and its remainder (the remainder takes the divisor's sign, as for time). */
function divide(units: bigint, per: bigint): [bigint, bigint] {
  let whole = units / per;
  let rest = units % per;
  if (rest < 0n) {
    rest += per;
    whole -= 1n;
  }
  return [whole, rest];
}

/** Local date-time from a count of `unitsPerSecond` units since the epoch, without a zone. */
function timestampFrom(value: unknown, unitsPerSecond: bigint, what: string): string {
  const [seconds, fraction] = divide(integer(value, what), unitsPerSecond);
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const digits = String(unitsPerSecond).length - 1;
  return digits > 0 ? `${iso}.${pad(fraction, digits)}` : iso;
}

function timeFrom(value: unknown, unitsPerSecond: bigint, what: string): string {
  return timestampFrom(value, unitsPerSecond, what).slice(11);
}

function dateFrom(value: unknown): string {
  const days = integer(value, 'io.debezium.time.Date');
  return new Date(Number(days * SECONDS_PER_DAY) * 1000).toISOString().slice(0, 10);
}

/**
 * `interval.handling.mode=numeric` (Debezium's default): microseconds, as hours:minutes:seconds,
 * exact to the microsecond. Debezium has already counted a month as 30.4375 days there, so ficus's
 * connectors ask for `string` (ISO 8601, which PostgreSQL reads as is) and this serves topics
 * written by other connectors.
 */
function intervalFrom(value: unknown): string {
  const micros = integer(value, 'io.debezium.time.MicroDuration');
  const sign = micros < 0n ? '-' : '';
  const abs = micros < 0n ? -micros : micros;
  const [seconds, fraction] = divide(abs, 1_000_000n);
  const [minutes, second] = divide(seconds, 60n);
  const [hours, minute] = divide(minutes, 60n);
  return `${sign}${hours}:${pad(minute)}:${pad(second)}.${pad(fraction, 6)}`;
}

function bytesToDecimal(base64: string, scale: number): string {
  const bytes = Buffer.from(base64, 'base64');
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if (bytes.length && bytes[0] & 0x80) n -= 1n << BigInt(bytes.length * 8); // two's complement
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

/**
 * The logical types that need work, each with its decoder; every other logical type (zoned
 * timestamps, UUIDs, enums, ISO 8601 intervals…) PostgreSQL reads as Debezium wrote it.
 */
const LOGICAL: Record<string, (value: unknown, schema: ValueSchema) => unknown> = {
  'io.debezium.time.Date': dateFrom,
  'io.debezium.time.Timestamp': (v, s) => timestampFrom(v, 1_000n, s.name!),
  'io.debezium.time.MicroTimestamp': (v, s) => timestampFrom(v, 1_000_000n, s.name!),
  'io.debezium.time.NanoTimestamp': (v, s) => timestampFrom(v, 1_000_000_000n, s.name!),
  'io.debezium.time.Time': (v, s) => timeFrom(v, 1_000n, s.name!),
  'io.debezium.time.MicroTime': (v, s) => timeFrom(v, 1_000_000n, s.name!),
  'io.debezium.time.NanoTime': (v, s) => timeFrom(v, 1_000_000_000n, s.name!),
  'io.debezium.time.MicroDuration': intervalFrom,
  'org.apache.kafka.connect.data.Decimal': (v, schema) =>
    typeof v === 'string' && schema.type === 'bytes'
      ? bytesToDecimal(v, Number(schema.parameters?.scale ?? 0))
      : v,
  'io.debezium.data.VariableScaleDecimal': (v) => {
    const { scale, value } = v as { scale: number; value: string };
    return bytesToDecimal(value, scale);
  },
  // a json(b) document goes on as the text Debezium sent, every number as written; the staged
  // record reads it as text (plan/mapping.ts). Checked here, so a broken one is poison at once.
  'io.debezium.data.Json': (v) => {
    if (typeof v === 'string') JSON.parse(v);
    return v;
  },
};

/** Whether decodeValue changes values of this schema (a logical type above, bytes, or arrays of them). */
export function needsDecoding(schema: ValueSchema): boolean {
  if (schema.type === 'array') return !!schema.items && needsDecoding(schema.items);
  return (
    schema.type === 'bytes' || (schema.name !== undefined && Object.hasOwn(LOGICAL, schema.name))
  );
}

export function decodeValue(value: unknown, schema: ValueSchema | undefined): unknown {
  if (value === null || value === undefined || !schema) return value ?? null;
  if (schema.type === 'array' && Array.isArray(value)) {
    const items = schema.items;
    return items && needsDecoding(items) ? value.map((v) => decodeValue(v, items)) : value;
  }
  if (schema.name !== undefined && Object.hasOwn(LOGICAL, schema.name))
    return LOGICAL[schema.name](value, schema);
  if (schema.type === 'bytes' && typeof value === 'string')
    return '\\x' + Buffer.from(value, 'base64').toString('hex');
  return value;
}

/**
 * The columns of a row schema whose values need decoding; computed once per schema (the envelope
 * parser hands out the same fields array for every message of a schema).
 */
function columnsToDecode(fields: FieldSchema[]): FieldSchema[] {
  let special = SPECIAL.get(fields);
  if (!special) {
    special = fields.filter(needsDecoding);
    SPECIAL.set(fields, special);
  }
  return special;
}

/** Decodes every column of a row (a Debezium `before`/`after` struct) by its field schema. */
export function decodeRow(
  row: Record<string, unknown>,
  fields: FieldSchema[] | undefined,
): Record<string, unknown> {
  if (!fields) return row;
  const special = columnsToDecode(fields);
  if (special.length === 0) return row;
  const out = { ...row };
  for (const f of special) if (f.field in out) out[f.field] = decodeValue(out[f.field], f);
  return out;
}

const SPECIAL = new WeakMap<FieldSchema[], FieldSchema[]>();
