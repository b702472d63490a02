/**
 * The type conversions a column mapping may ask for (`price: { target: price_cents, type: cents }`).
 * Each one is a pair of SQL expressions: forward (source column -> target value) and, when the
 * conversion loses nothing the legacy side keeps, inverse (target column -> source value), which
 * the reverse sync uses. The plan schema takes its list of allowed names from here.
 */

export type Conversion = {
  /** what it does, for docs and error messages */
  description: string;
  /** SQL over the quoted, qualified source column `col` whose type is `sourceType` */
  forward(col: string, sourceType: string): string;
  /** SQL over the quoted, qualified target column `col`, giving back a value of `sourceType` */
  inverse(col: string, sourceType: string): string;
  /** the type the forward expression yields, given the source type */
  targetType(sourceType: string): string;
};

const cast = (type: string): Conversion => ({
  description: `cast to ${type}`,
  forward: (col) => `${col}::${type}`,
  inverse: (col, sourceType) => `${col}::${sourceType}`,
  targetType: () => type,
});

export const CONVERSIONS = {
  /** numeric money -> integer cents: 12.50 -> 1250 (half away from zero, like round()) */
  cents: {
    description: 'numeric amount -> integer cents',
    forward: (col) => `round(${col} * 100)::bigint`,
    inverse: (col, sourceType) => `(${col}::numeric / 100)::${sourceType}`,
    targetType: () => 'bigint',
  },
  text: cast('text'),
  integer: cast('integer'),
  bigint: cast('bigint'),
  numeric: cast('numeric'),
  boolean: cast('boolean'),
  date: cast('date'),
  jsonb: cast('jsonb'),
  /** any timestamp -> timestamptz truncated to milliseconds (what JSON APIs and JS Dates carry) */
  timestamp: {
    description: 'timestamp -> timestamptz at millisecond precision',
    forward: (col) => `date_trunc('milliseconds', ${col}::timestamptz)`,
    inverse: (col, sourceType) => `${col}::${sourceType}`,
    targetType: () => 'timestamp with time zone',
  },
} satisfies Record<string, Conversion>;

export type ConversionName = keyof typeof CONVERSIONS;

export const CONVERSION_NAMES = Object.keys(CONVERSIONS) as ConversionName[];

export function isConversionName(name: string): name is ConversionName {
  return Object.hasOwn(CONVERSIONS, name);
}
