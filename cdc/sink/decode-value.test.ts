import { decodeValue, needsDecoding, type ValueSchema } from './decode-value.ts';
import { parseJson } from './exact-json.ts';

const array = (items: ValueSchema): ValueSchema => ({ type: 'array', items });
const DATE = { type: 'int32', name: 'io.debezium.time.Date' };
const MICRO_TS = { type: 'int64', name: 'io.debezium.time.MicroTimestamp' };
const DURATION = { type: 'int64', name: 'io.debezium.time.MicroDuration' };

describe('decodeValue', () => {
  it('reads an interval in microseconds (numeric mode) as microseconds, not seconds', () => {
    expect(decodeValue(3_600_000_000, DURATION)).toBe('1:00:00.000000');
    expect(decodeValue(-90_061_000_001, DURATION)).toBe('-25:01:01.000001');
    // past 2^53 microseconds (285 years), kept exact by the parse
    const { v } = parseJson('{"v":9007199254740993}') as { v: unknown };
    expect(decodeValue(v, DURATION)).toBe('2501999:47:34.740993');
  });

  it('leaves an ISO 8601 interval (string mode) as it is: PostgreSQL reads it', () => {
    const iso = { type: 'string', name: 'io.debezium.time.Interval' };
    expect(needsDecoding(iso)).toBe(false);
    expect(decodeValue('P1Y2M3DT4H5M6.789S', iso)).toBe('P1Y2M3DT4H5M6.789S');
  });

  it('decodes arrays of logical types element by element, nulls kept', () => {
    expect(decodeValue([19_782, null, -165], array(DATE))).toEqual([
      '2024-02-29',
      null,
      '1969-07-20',
    ]);
    expect(decodeValue([1_704_164_645_123_456, -2_208_988_800_000_000], array(MICRO_TS))).toEqual([
      '2024-01-02T03:04:05.123456',
      '1900-01-01T00:00:00.000000',
    ]);
    expect(decodeValue(['AQI=', null, ''], array({ type: 'bytes' }))).toEqual([
      '\\x0102',
      null,
      '\\x',
    ]);
    const decimal = {
      type: 'bytes',
      name: 'org.apache.kafka.connect.data.Decimal',
      parameters: { scale: '2' },
    };
    expect(decodeValue(['BOI=', '/w=='], array(decimal))).toEqual(['12.50', '-0.01']);
    expect(decodeValue([[19_782]], array(array(DATE)))).toEqual([['2024-02-29']]);
  });

  it('leaves arrays that PostgreSQL reads as they are (numeric as text, uuid, int64)', () => {
    for (const items of [{ type: 'string' }, { type: 'string', name: 'io.debezium.data.Uuid' }])
      expect(needsDecoding(array(items))).toBe(false);
    expect(needsDecoding(array({ type: 'int64' }))).toBe(false);
    expect(needsDecoding(array(DATE))).toBe(true);
    expect(needsDecoding({ type: 'array' })).toBe(false);
  });

  it('keeps a json document as the text Debezium sent (every number as written, null as null)', () => {
    const json = { type: 'string', name: 'io.debezium.data.Json' };
    const text = '{"n":12345678901234567890,"x":1.50,"e":1e3,"i":7}';
    expect(decodeValue(text, json)).toBe(text);
    expect(decodeValue('null', json)).toBe('null');
    expect(() => decodeValue('{broken', json)).toThrow();
  });

  it('dates and timestamps before 1 AD and past 9999 AD, exact (PostgreSQL spells BC last)', () => {
    // the counts as PostgreSQL computes them ('0001-01-01 BC'::date - '1970-01-01'::date, …)
    expect(decodeValue(-719_528, DATE)).toBe('0001-01-01 BC');
    expect(decodeValue(-2_440_550, DATE)).toBe('4713-01-01 BC');
    expect(decodeValue(2_145_042_905, DATE)).toBe('5874897-12-31');
    expect(decodeValue('-63517780799999999', MICRO_TS)).toBe('0044-03-15T12:00:00.000001 BC');
    expect(decodeValue('6249223180800000001', MICRO_TS)).toBe('200000-01-01T00:00:00.000001');
  });

  it('infinity and -infinity, as Debezium sends them (measured on the stack)', () => {
    expect(decodeValue(2_146_033_979, DATE)).toBe('infinity');
    expect(decodeValue(-2_147_472_691, DATE)).toBe('-infinity');
    const { max, min } = parseJson('{"max":9223372036854775807,"min":-9223372036854775808}') as {
      max: unknown;
      min: unknown;
    };
    expect(decodeValue(max, MICRO_TS)).toBe('infinity');
    expect(decodeValue(min, MICRO_TS)).toBe('-infinity');
    expect(decodeValue([max, null], array(MICRO_TS))).toEqual(['infinity', null]);
  });

  it('a time of 24:00:00 stays one', () => {
    expect(decodeValue(86_400_000_000, { type: 'int64', name: 'io.debezium.time.MicroTime' })).toBe(
      '24:00:00.000000',
    );
  });

  it('a timestamp before 1970 and one at nanoseconds', () => {
    expect(decodeValue(-1, MICRO_TS)).toBe('1969-12-31T23:59:59.999999');
    const nano = { type: 'int64', name: 'io.debezium.time.NanoTimestamp' };
    const { v } = parseJson('{"v":1704164645123456789}') as { v: unknown };
    expect(decodeValue(v, nano)).toBe('2024-01-02T03:04:05.123456789');
  });

  it('a value that is not what its type says throws, naming the type', () => {
    expect(() => decodeValue('soon', MICRO_TS)).toThrow(
      'io.debezium.time.MicroTimestamp: "soon" is not an integer',
    );
  });
});
