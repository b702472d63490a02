/**
 * The range check of a mapping: which legacy values a target column (or a conversion on the way)
 * cannot hold. Pure: it takes a compiled table (plan/mapping.ts, which carries the source columns'
 * types) and the target columns' actual types, and names every mapping that narrows — a number
 * range (numeric(12,2) into integer cents, bigint into integer), decimals or a timestamp's
 * precision rounded away, a longer string into a shorter varchar, a time zone dropped — with the
 * values that would not fit, in the source column's terms, and an SQL condition that counts them.
 *
 *   const findings = mappingRangeFindings(compiled, { price_cents: 'integer' });
 *   describeRangeFinding(findings[0])
 *   // products.price numeric(12,2) -> products.price_cents integer (cents): values from
 *   // 21,474,836.48 up and from -21,474,836.49 down do not fit integer; the source allows
 *   // -9,999,999,999.99 to 9,999,999,999.99
 *
 * Without a target's type (the plan alone does not know it) only the conversion's own casts are
 * judged (the `cents` conversion's bigint), and the column is listed as unjudged.
 */
import { columnDomain, type ColumnDomain, type NumberDomain } from './column-domain.ts';
import {
  add,
  compare,
  dividedBy,
  formatExact,
  halfUnit,
  negate,
  sqlLiteral,
  toScale,
  type Exact,
} from './exact-number.ts';
import type { CompiledTable, TargetColumn } from './mapping.ts';
import { SOURCE_ALIAS } from './mapping.ts';
import { quoteIdent } from '../lib/sql.ts';

export type RangeFindingKind = 'range' | 'precision' | 'length' | 'time-zone';

export type RangeFinding = {
  kind: RangeFindingKind;
  source: { table: string; column: string; type: string };
  target: { table: string; column: string; type: string };
  conversion?: string;
  /** the values that do not fit or lose something, in the source column's terms */
  values: string;
  /** what the source column allows or keeps */
  allows: string;
  /** SQL condition over the source row (alias `src`) that holds for the rows affected */
  misfit?: string;
};

export type UnjudgedColumn = {
  source: { table: string; column: string; type: string };
  target: { table: string; column: string };
  reason: string;
};

/** How a value travels: the source's domain, the conversion's factor and casts, what arrives. */
type Flow = {
  source: ColumnDomain;
  /** source units -> target units (cents: 100) */
  factor: bigint;
  /** decimal digits of `factor` (cents: 2) */
  shift: number;
  /** casts on the way (the cents conversion's `::bigint`): each a bound the value must fit */
  casts: ColumnDomain[];
  /** the value as it reaches the target column */
  arrives: ColumnDomain;
};

const BIGINT = columnDomain('bigint');
const INTEGER = columnDomain('integer');
const asNumber = (d: ColumnDomain): NumberDomain | undefined =>
  d.family === 'exact' ? d : d.family === 'float' ? { family: 'exact', type: d.type } : undefined;

function exactLength(d: NumberDomain): number | undefined {
  if (!d.min || !d.max) return undefined;
  return Math.max(sqlLiteral(d.min).length, sqlLiteral(d.max).length);
}

/** What a conversion does to the value's domain (plan/conversions.ts; unknown ones: unchanged). */
function flowOf(source: ColumnDomain, conversion: string | undefined): Flow {
  const flow: Flow = { source, factor: 1n, shift: 0, casts: [], arrives: source };
  switch (conversion) {
    case 'cents':
      return { ...flow, factor: 100n, shift: 2, casts: [BIGINT], arrives: BIGINT };
    case 'integer':
      return { ...flow, casts: [INTEGER], arrives: INTEGER };
    case 'bigint':
      return { ...flow, casts: [BIGINT], arrives: BIGINT };
    case 'numeric':
      return { ...flow, arrives: asNumber(source) ?? columnDomain('numeric') };
    case 'text': {
      const length =
        source.family === 'string'
          ? source.length
          : source.family === 'exact'
            ? exactLength(source)
            : undefined;
      return { ...flow, arrives: { family: 'string', length, type: 'text' } };
    }
    case 'timestamp': {
      const precision = source.family === 'time' ? Math.min(source.precision, 3) : 3;
      return {
        ...flow,
        arrives: { family: 'time', zone: true, precision, type: 'timestamp(3) with time zone' },
      };
    }
    case 'date':
      return { ...flow, arrives: columnDomain('date') };
    case undefined:
      return flow;
    default:
      return { ...flow, arrives: columnDomain(conversion) };
  }
}

type Verdict = Pick<RangeFinding, 'kind' | 'values' | 'allows' | 'misfit'>;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const boundsText = (d: NumberDomain, decimals: number) =>
  d.min && d.max
    ? `${formatExact(d.min, decimals)} to ${formatExact(d.max, decimals)}`
    : 'any value';

/** The first source values past a bound, high and low, or undefined when none exist. */
function misfits(flow: Flow, source: NumberDomain, bound: NumberDomain) {
  const scale = bound.scale ?? 0;
  const first = (edge: Exact | undefined, sign: 1 | -1) => {
    if (!edge) return undefined;
    const half = sign === 1 ? halfUnit(scale) : negate(halfUnit(scale));
    // round(v, scale) passes the edge once v reaches edge + half a unit (half away from zero)
    const inSource = dividedBy(add(edge, half), flow.factor);
    const value =
      source.scale === undefined
        ? inSource
        : toScale(inSource, source.scale, sign === 1 ? 'up' : 'down');
    const reach = sign === 1 ? source.max : source.min;
    const possible = !reach || compare(reach, value) * sign >= 0;
    return possible ? value : undefined;
  };
  return { high: first(bound.max, 1), low: first(bound.min, -1) };
}

/** Number ranges and decimals, against every bound on the way (casts, then the target). */
function judgeNumbers(flow: Flow, bounds: ColumnDomain[], column: string): Verdict[] {
  const source = asNumber(flow.source);
  if (!source) return [];
  const verdicts: Verdict[] = [];
  let high: { value: Exact; type: string } | undefined;
  let low: { value: Exact; type: string } | undefined;
  let kept: number | undefined;
  for (const bound of bounds) {
    if (bound.family !== 'exact') continue;
    const m = misfits(flow, source, bound);
    if (m.high && (!high || compare(m.high, high.value) < 0))
      high = { value: m.high, type: bound.type };
    if (m.low && (!low || compare(m.low, low.value) > 0)) low = { value: m.low, type: bound.type };
    if (bound.scale !== undefined) kept = Math.min(kept ?? bound.scale, bound.scale);
  }
  const decimals = source.scale ?? 0;
  const col = `${SOURCE_ALIAS}.${quoteIdent(column)}`;
  if (high || low) {
    const parts = [
      high && `from ${formatExact(high.value, decimals)} up`,
      low && `from ${formatExact(low.value, decimals)} down`,
    ];
    const types = [...new Set([high?.type, low?.type].filter(Boolean))].join(' and ');
    verdicts.push({
      kind: 'range',
      values: `values ${parts.filter(Boolean).join(' and ')} do not fit ${types}`,
      allows: `the source allows ${boundsText(source, decimals)}`,
      misfit: [
        high && `${col} >= ${sqlLiteral(high.value)}`,
        low && `${col} <= ${sqlLiteral(low.value)}`,
      ]
        .filter(Boolean)
        .join(' OR '),
    });
  }
  // decimals, in the source's terms: cents keep 2 of the price's
  const keptInSource = kept === undefined ? undefined : kept + flow.shift;
  if (keptInSource !== undefined && (source.scale === undefined || source.scale > keptInSource)) {
    verdicts.push({
      kind: 'precision',
      values:
        keptInSource === 0
          ? 'values with decimals are rounded to whole numbers'
          : `values with more than ${plural(keptInSource, 'decimal')} are rounded to ${keptInSource}`,
      allows:
        source.scale === undefined
          ? 'the source keeps any number of decimals'
          : `the source keeps ${source.scale}`,
      misfit: `${col} <> round(${col}, ${keptInSource})`,
    });
  }
  return verdicts;
}

function judgeFloat(flow: Flow, target: Extract<ColumnDomain, { family: 'float' }>): Verdict[] {
  const arrives = flow.arrives;
  const digits =
    arrives.family === 'float'
      ? arrives.significantDigits
      : arrives.family === 'exact'
        ? arrives.max
          ? sqlLiteral(arrives.max).replace(/[-.]/g, '').length
          : Infinity
        : 0;
  if (digits <= target.significantDigits) return [];
  return [
    {
      kind: 'precision',
      values: `values with more than ${target.significantDigits} significant digits are rounded`,
      allows: `the source keeps ${Number.isFinite(digits) ? digits : 'any number of'} digits`,
    },
  ];
}

function judgeString(flow: Flow, length: number, column: string): Verdict[] {
  const arrives = flow.arrives;
  if (arrives.family !== 'string' || (arrives.length !== undefined && arrives.length <= length))
    return [];
  return [
    {
      kind: 'length',
      values: `strings longer than ${plural(length, 'character')} do not fit`,
      allows: `the source allows ${arrives.length === undefined ? 'any length' : `up to ${arrives.length}`}`,
      misfit:
        flow.source.family === 'string'
          ? `char_length(${SOURCE_ALIAS}.${quoteIdent(column)}) > ${length}`
          : undefined,
    },
  ];
}

function judgeTime(flow: Flow, target: ColumnDomain, column: string): Verdict[] {
  const arrives = flow.arrives;
  if (arrives.family !== 'time') return [];
  const col = `${SOURCE_ALIAS}.${quoteIdent(column)}`;
  if (target.family === 'date')
    return [
      {
        kind: 'precision',
        values: 'the time of day is dropped',
        allows: 'the source keeps it',
        misfit: `${col}::time <> '00:00'`,
      },
    ];
  if (target.family !== 'time') return [];
  const verdicts: Verdict[] = [];
  if (arrives.zone && !target.zone)
    verdicts.push({
      kind: 'time-zone',
      values: "the time zone is dropped: values are kept as wall-clock time in the session's zone",
      allows: 'the source keeps the instant',
      misfit: `${col} IS NOT NULL`,
    });
  if (arrives.precision > target.precision) {
    const cast = `timestamp(${target.precision}) ${target.zone ? 'with' : 'without'} time zone`;
    verdicts.push({
      kind: 'precision',
      values: `fractions of a second beyond ${plural(target.precision, 'digit')} are rounded away`,
      allows: `the source keeps ${arrives.precision}`,
      misfit: `${col} <> ${col}::${cast}`,
    });
  }
  return verdicts;
}

function judge(flow: Flow, target: ColumnDomain | undefined, column: string): Verdict[] {
  const bounds = target ? [...flow.casts, target] : flow.casts;
  const verdicts = judgeNumbers(flow, bounds, column);
  if (!target) return verdicts;
  if (target.family === 'float') verdicts.push(...judgeFloat(flow, target));
  if (target.family === 'string' && target.length !== undefined)
    verdicts.push(...judgeString(flow, target.length, column));
  verdicts.push(...judgeTime(flow, target, column));
  return verdicts;
}

export type RangeCheck = { findings: RangeFinding[]; unjudged: UnjudgedColumn[] };

/**
 * Every narrowing of a compiled table's column mappings. `targetTypes`: the target table's actual
 * column types (describeTable on the service DB); a column missing from it is judged by its
 * conversion's casts only and listed as unjudged.
 */
export function mappingRangeFindings(
  compiled: CompiledTable,
  targetTypes: Record<string, string> = {},
): RangeCheck {
  const sourceTypes = new Map(compiled.sourceColumns.map((c) => [c.name, c.type]));
  // an enum or a domain holds what its portable type holds (a domain's checks aside)
  const sourceValues = new Map(compiled.sourceColumns.map((c) => [c.name, c.portable ?? c.type]));
  const result: RangeCheck = { findings: [], unjudged: [] };
  const mapped = compiled.targetColumns.filter(
    (t): t is TargetColumn & { sourceColumn: string } => t.kind === 'column' && !!t.sourceColumn,
  );
  for (const t of mapped) {
    const source = {
      table: compiled.source.table,
      column: t.sourceColumn,
      type: sourceTypes.get(t.sourceColumn)!,
    };
    const targetType = targetTypes[t.name];
    if (targetType === undefined)
      result.unjudged.push({
        source,
        target: { table: compiled.target.table, column: t.name },
        reason: 'the type of the target column is not known',
      });
    const flow = flowOf(columnDomain(sourceValues.get(t.sourceColumn)!), t.conversion);
    const targetValues = t.portable && t.type === targetType ? t.portable : targetType;
    const target = targetValues === undefined ? undefined : columnDomain(targetValues);
    for (const verdict of judge(flow, target, t.sourceColumn))
      result.findings.push({
        ...verdict,
        source,
        target: { table: compiled.target.table, column: t.name, type: targetType ?? '(unknown)' },
        ...(t.conversion ? { conversion: t.conversion } : {}),
      });
  }
  return result;
}

/** One line: `<source> <type> -> <target> <type> (<conversion>): <values>; <allows>`. */
export function describeRangeFinding(f: RangeFinding): string {
  const conversion = f.conversion ? ` (${f.conversion})` : '';
  return `${f.source.table}.${f.source.column} ${f.source.type} -> ${f.target.table}.${f.target.column} ${f.target.type}${conversion}: ${f.values}; ${f.allows}`;
}
