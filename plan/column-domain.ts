/**
 * What values a column type can hold, read from the type's name as `format_type()` prints it
 * (`numeric(12,2)`, `character varying(40)`, `timestamp(3) with time zone`): the input of the
 * mapping's range check (plan/mapping-ranges.ts). Types it does not model are `other`, and are
 * only judged equal or not.
 */
import { exact, largestWithDigits, negate, type Exact } from './exact-number.ts';

export type NumberDomain = {
  family: 'exact';
  /** undefined: unbounded (numeric without a precision) */
  min?: Exact;
  max?: Exact;
  /** decimals kept; undefined: as many as given (numeric without a scale) */
  scale?: number;
  /** for messages: the type this domain was read from */
  type: string;
};

export type ColumnDomain =
  | NumberDomain
  | { family: 'float'; significantDigits: number; type: string }
  | { family: 'string'; length?: number; type: string }
  | { family: 'time'; zone: boolean; precision: number; type: string }
  | { family: 'date'; type: string }
  | { family: 'other'; type: string };

const intRange = (bits: number, type: string): NumberDomain => {
  const max = 2n ** BigInt(bits - 1);
  return { family: 'exact', min: exact(-max), max: exact(max - 1n), scale: 0, type };
};

const INTEGERS: Record<string, number> = { smallint: 16, integer: 32, bigint: 64 };

function numeric(type: string, precision?: string, scale?: string): NumberDomain {
  if (precision === undefined) return { family: 'exact', type };
  const p = Number(precision);
  const s = Number(scale ?? 0);
  const max = largestWithDigits(p - s, s);
  return { family: 'exact', min: negate(max), max, scale: s, type };
}

/** The domain of a type named as format_type() names it. */
export function columnDomain(type: string): ColumnDomain {
  const t = type.trim().toLowerCase();
  if (t in INTEGERS) return intRange(INTEGERS[t], type);
  let m = /^numeric(?:\((\d+)(?:,\s*(-?\d+))?\))?$/.exec(t);
  if (m) return numeric(type, m[1], m[2]);
  if (t === 'real') return { family: 'float', significantDigits: 6, type };
  if (t === 'double precision') return { family: 'float', significantDigits: 15, type };
  if (t === 'text') return { family: 'string', type };
  m = /^(?:character varying|character|bpchar)(?:\((\d+)\))?$/.exec(t);
  if (m)
    return {
      family: 'string',
      // `character` alone is character(1); `character varying` alone has no limit
      length: m[1] ? Number(m[1]) : t === 'character' ? 1 : undefined,
      type,
    };
  m = /^timestamp(?:\((\d)\))? (with|without) time zone$/.exec(t);
  if (m) return { family: 'time', zone: m[2] === 'with', precision: Number(m[1] ?? 6), type };
  if (t === 'date') return { family: 'date', type };
  return { family: 'other', type };
}
