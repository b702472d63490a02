/**
 * The SQL of the parity check, built from a compiled mapping (plan/mapping.ts), for both sides:
 * - legacy side: the mapping's target expressions evaluated over the legacy table, each cast to
 *   the target column's actual type, so the value is what the sink would have written;
 * - service side: the target table's plain columns.
 * A row's fingerprint is md5 of its ROW(...)::text (NULL and '' differ, types print alike on both
 * sides as long as both sessions use TimeZone=UTC); a chunk's is md5 of its rows' fingerprints in
 * key order, computed inside each database so only mismatching chunks travel row by row.
 * Chunks are key ranges (lower, upper], bounded by keys of the legacy side (`renderBoundaries`).
 */
import { FicusError } from '../../lib/errors.ts';
import { SOURCE_ALIAS, type CompiledTable, type TargetColumn } from '../../plan/mapping.ts';
import { quoteIdent, quoteTable } from '../../lib/sql.ts';

export type Side = {
  /** FROM clause (`<table> AS <alias>`) */
  from: string;
  /** the table's alias in `from` */
  alias: string;
  /** key expressions, in key order, and the type their parameters are cast to */
  keys: { sql: string; type: string }[];
  /** the row's values, in target column order */
  values: string[];
};

export type VerifySides = { legacy: Side; service: Side; keyNames: string[] };

/**
 * The type both sides compare a target column as: its own, or, for a type that is not built in
 * (the service's enum or domain, which the legacy DB may lack), its portable type.
 */
const compared = (t: TargetColumn) => t.portable ?? t.type!;

const serviceValue = (t: TargetColumn) =>
  t.portable ? `t.${quoteIdent(t.name)}::${t.portable}` : `t.${quoteIdent(t.name)}`;

export function verifySides(compiled: CompiledTable): VerifySides {
  const untyped = compiled.targetColumns.filter((t) => !t.type).map((t) => t.name);
  if (untyped.length) {
    throw new FicusError(
      'verify_setup',
      `${compiled.target.table}: target column types unknown for ${untyped.join(', ')} (describe the target table)`,
    );
  }
  const byName = new Map(compiled.targetColumns.map((t) => [t.name, t]));
  const sourceTypes = new Map(compiled.sourceColumns.map((c) => [c.name, c.type]));
  const legacyKeys = compiled.targetKey.map((name) => {
    const t = byName.get(name)!;
    // a plain copy of a same-typed column compares on the column itself, so its index serves the ranges
    const plain = t.kind === 'column' && !t.conversion && !t.portable;
    if (plain && sourceTypes.get(t.sourceColumn!) === t.type) return { sql: t.sql, type: t.type! };
    return { sql: `(${t.sql})::${compared(t)}`, type: compared(t) };
  });
  return {
    keyNames: compiled.targetKey,
    legacy: {
      from: `${quoteTable(compiled.source.schema, compiled.source.table)} AS ${SOURCE_ALIAS}`,
      alias: SOURCE_ALIAS,
      keys: legacyKeys,
      values: compiled.targetColumns.map((t) => `(${t.sql})::${compared(t)}`),
    },
    service: {
      from: `${quoteTable(compiled.target.schema, compiled.target.table)} AS t`,
      alias: 't',
      keys: compiled.targetKey.map((name) => {
        const t = byName.get(name)!;
        return { sql: serviceValue(t), type: compared(t) };
      }),
      values: compiled.targetColumns.map(serviceValue),
    },
  };
}

/** A chunk's key range, as the text of each key column; null = unbounded. */
export type KeyRange = { lower: string[] | null; upper: string[] | null };

function rangePredicate(
  side: Side,
  range: KeyRange,
  firstParam = 1,
): { sql: string; params: string[] } {
  const tuple = `(${side.keys.map((k) => k.sql).join(', ')})`;
  const params: string[] = [];
  const bound = (values: string[]) =>
    `(${values.map((v, i) => (params.push(v), `$${firstParam + params.length - 1}::${side.keys[i].type}`)).join(', ')})`;
  const parts: string[] = [];
  if (range.lower) parts.push(`${tuple} > ${bound(range.lower)}`);
  if (range.upper) parts.push(`${tuple} <= ${bound(range.upper)}`);
  return { sql: parts.length ? parts.join(' AND ') : 'true', params };
}

const keyOrder = (side: Side) => side.keys.map((k) => k.sql).join(', ');
const rowHash = (side: Side) => `md5(ROW(${side.values.join(', ')})::text)`;

/** Every `chunkSize`-th key of the legacy side, in order: the chunk boundaries. */
export function renderBoundaries(side: Side, chunkSize: number): string {
  const keys = side.keys.map((k, i) => `(${k.sql})::text AS k${i}`).join(', ');
  return (
    `SELECT ${side.keys.map((_, i) => `k${i}`).join(', ')} FROM (` +
    `SELECT ${keys}, row_number() OVER (ORDER BY ${keyOrder(side)}) AS rn FROM ${side.from}) b ` +
    `WHERE rn % ${Math.trunc(chunkSize)} = 0 ORDER BY rn`
  );
}

/** `{ n, hash }` of one chunk. */
export function renderChunkHash(side: Side, range: KeyRange): { sql: string; params: string[] } {
  const where = rangePredicate(side, range);
  return {
    sql:
      `SELECT count(*)::bigint AS n, md5(string_agg(h, '' ORDER BY ${side.keys.map((_, i) => `k${i}`).join(', ')})) AS hash FROM (` +
      `SELECT ${side.keys.map((k, i) => `${k.sql} AS k${i}`).join(', ')}, ${rowHash(side)} AS h FROM ${side.from} WHERE ${where.sql}) c`,
    params: where.params,
  };
}

/** `{ key: text[], h }` per row of one chunk, for the row-by-row comparison of a mismatching chunk. */
export function renderChunkRows(side: Side, range: KeyRange): { sql: string; params: string[] } {
  const where = rangePredicate(side, range);
  return {
    sql: `SELECT ARRAY[${side.keys.map((k) => `(${k.sql})::text`).join(', ')}] AS key, ${rowHash(side)} AS h FROM ${side.from} WHERE ${where.sql} ORDER BY ${keyOrder(side)}`,
    params: where.params,
  };
}

/** `(key exprs) IN (…)` for the keys in `param`: a JSON array of text arrays, in key order. */
export function keysIn(side: Side, param = '$1'): string {
  const wanted = side.keys.map((k, i) => `(w.k->>${i})::${k.type}`).join(', ');
  return `(${keyOrder(side)}) IN (SELECT ${wanted} FROM jsonb_array_elements(${param}::jsonb) AS w(k))`;
}

/** Rows of given keys (JSON array of text arrays), for re-checking differences after a catch-up. */
export function renderRowsByKeys(side: Side): string {
  return (
    `SELECT ARRAY[${side.keys.map((k) => `(${k.sql})::text`).join(', ')}] AS key, ${rowHash(side)} AS h FROM ${side.from} ` +
    `WHERE ${keysIn(side)}`
  );
}
