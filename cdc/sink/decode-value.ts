/**
 * Debezium encodes some PostgreSQL types as Kafka Connect logical types (days since epoch,
 * microseconds, base64 bytes, ...). The sink hands rows to PostgreSQL as JSON, so each such value
 * is turned back into the text form PostgreSQL parses for that type. Which conversion applies is
 * read from the field schemas that ride in every message (JSON converter, schemas enabled).
 */
export type FieldSchema = {
  field: string;
  type: string;
  name?: string;
  parameters?: Record<string, string>;
  fields?: FieldSchema[];
};

const MS_PER_DAY = 86_400_000;

function pad(n: number | bigint, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Local date-time from a count of `unitsPerSecond` units since the epoch, without a zone. */
function timestampFrom(value: number, unitsPerSecond: number): string {
  const units = BigInt(Math.trunc(value));
  const perSec = BigInt(unitsPerSecond);
  let seconds = units / perSec;
  let fraction = units % perSec;
  if (fraction < 0n) {
    fraction += perSec;
    seconds -= 1n;
  }
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  const digits = String(unitsPerSecond).length - 1;
  return digits > 0 ? `${iso}.${pad(fraction, digits)}` : iso;
}

function timeFrom(value: number, unitsPerSecond: number): string {
  return timestampFrom(value, unitsPerSecond).slice(11);
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
 * timestamps, UUIDs, enums…) PostgreSQL reads as Debezium wrote it.
 */
const LOGICAL: Record<string, (value: unknown, schema: FieldSchema) => unknown> = {
  'io.debezium.time.Date': (v) => new Date((v as number) * MS_PER_DAY).toISOString().slice(0, 10),
  'io.debezium.time.Timestamp': (v) => timestampFrom(v as number, 1_000),
  'io.debezium.time.MicroTimestamp': (v) => timestampFrom(v as number, 1_000_000),
  'io.debezium.time.NanoTimestamp': (v) => timestampFrom(Number(v) / 1000, 1_000_000),
  'io.debezium.time.Time': (v) => timeFrom(v as number, 1_000),
  'io.debezium.time.MicroTime': (v) => timeFrom(v as number, 1_000_000),
  'org.apache.kafka.connect.data.Decimal': (v, schema) =>
    typeof v === 'string' && schema.type === 'bytes'
      ? bytesToDecimal(v, Number(schema.parameters?.scale ?? 0))
      : v,
  'io.debezium.data.VariableScaleDecimal': (v) => {
    const { scale, value } = v as { scale: number; value: string };
    return bytesToDecimal(value, scale);
  },
  'io.debezium.data.Json': (v) => (typeof v === 'string' ? JSON.parse(v) : v),
};

/** Whether decodeValue changes this column's values (a logical type above, or bytes). */
export function needsDecoding(schema: FieldSchema): boolean {
  return (
    schema.type === 'bytes' || (schema.name !== undefined && Object.hasOwn(LOGICAL, schema.name))
  );
}

export function decodeValue(value: unknown, schema: FieldSchema | undefined): unknown {
  if (value === null || value === undefined || !schema) return value ?? null;
  if (schema.name !== undefined && Object.hasOwn(LOGICAL, schema.name))
    return LOGICAL[schema.name](value, schema);
  if (schema.type === 'bytes' && typeof value === 'string')
    return '\\x' + Buffer.from(value, 'base64').toString('hex');
  return value;
}

/** Decodes every column of a row (a Debezium `before`/`after` struct) by its field schema. */
export function decodeRow(
  row: Record<string, unknown>,
  fields: FieldSchema[] | undefined,
): Record<string, unknown> {
  if (!fields) return row;
  // Only columns of a logical or bytes type need work; which ones is computed once per schema
  // (the envelope parser hands out the same fields array for every message of a schema).
  let special = SPECIAL.get(fields);
  if (!special) {
    special = fields.filter(needsDecoding);
    SPECIAL.set(fields, special);
  }
  if (special.length === 0) return row;
  const out = { ...row };
  for (const f of special) if (f.field in out) out[f.field] = decodeValue(out[f.field], f);
  return out;
}

const SPECIAL = new WeakMap<FieldSchema[], FieldSchema[]>();
