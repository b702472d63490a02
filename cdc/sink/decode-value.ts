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

/**
 * The proleptic Gregorian date of a day count since 1970-01-01, exact for any count (H. Hinnant's
 * civil_from_days): JavaScript's Date stops at ±275,760 years and writes years before 1 AD in a
 * form PostgreSQL does not read, while PostgreSQL keeps dates from 4713 BC to 5874897 AD.
 * Year 0 is 1 BC, as PostgreSQL prints it.
 */
function civilDate(days: bigint): string {
  const z = days + 719_468n;
  const era = (z >= 0n ? z : z - 146_096n) / 146_097n;
  const dayOfEra = z - era * 146_097n;
  const yearOfEra =
    (dayOfEra - dayOfEra / 1_460n + dayOfEra / 36_524n - dayOfEra / 146_096n) / 365n;
  const dayOfYear = dayOfEra - (365n * yearOfEra + yearOfEra / 4n - yearOfEra / 100n);
  const shifted = (5n * dayOfYear + 2n) / 153n; // months from March
  const day = dayOfYear - (153n * shifted + 2n) / 5n + 1n;
  const month = shifted < 10n ? shifted + 3n : shifted - 9n;
  const year = yearOfEra + era * 400n + (month <= 2n ? 1n : 0n);
  const date = `${pad(year > 0n ? year : 1n - year, 4)}-${pad(month)}-${pad(day)}`;
  return year > 0n ? date : `${date} BC`;
}

/** hours:minutes:seconds[.fraction] of a count of seconds (24:00:00 stays 24:00:00) */
function clock(seconds: bigint, fraction: bigint, digits: number): string {
  const [minutes, second] = divide(seconds, 60n);
  const [hours, minute] = divide(minutes, 60n);
  const time = `${pad(hours)}:${pad(minute)}:${pad(second)}`;
  return digits > 0 ? `${time}.${pad(fraction, digits)}` : time;
}

/**
 * Debezium sends PostgreSQL's `infinity` and `-infinity` as the largest and smallest int64 (a
 * timestamp) and as day counts beyond PostgreSQL's date range (a date): turned back into the
 * words. (The largest int64 microseconds is also 294247-01-10 04:00:54.775807, a real timestamp
 * Debezium cannot tell from infinity; PostgreSQL's range has no room for the others.)
 */
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
// '4713-01-01 BC'::date - '1970-01-01'::date and '5874897-12-31'::date - '1970-01-01'::date
const FIRST_DAY = -2_440_550n;
const LAST_DAY = 2_145_042_905n;

/** Local date-time from a count of `unitsPerSecond` units since the epoch, without a zone. */
function timestampFrom(value: unknown, unitsPerSecond: bigint, what: string): string {
  const units = integer(value, what);
  if (units === INT64_MAX) return 'infinity';
  if (units === INT64_MIN) return '-infinity';
  const [seconds, fraction] = divide(units, unitsPerSecond);
  const [days, ofDay] = divide(seconds, SECONDS_PER_DAY);
  const time = clock(ofDay, fraction, String(unitsPerSecond).length - 1);
  const date = civilDate(days);
  // `0044-03-15T12:00:00 BC`: the era goes last
  return date.endsWith(' BC') ? `${date.slice(0, -3)}T${time} BC` : `${date}T${time}`;
}

function timeFrom(value: unknown, unitsPerSecond: bigint, what: string): string {
  const [seconds, fraction] = divide(integer(value, what), unitsPerSecond);
  return clock(seconds, fraction, String(unitsPerSecond).length - 1);
}

function dateFrom(value: unknown): string {
  const days = integer(value, 'io.debezium.time.Date');
  if (days > LAST_DAY) return 'infinity';
  if (days < FIRST_DAY) return '-infinity';
  return civilDate(days);
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
