/**
 * Moves the sequences of a side's tables past the keys the sync copied into them: the I/O half of
 * sequence-moves.ts. The write cut-over calls it on the service's owned tables before the service
 * takes the writes, and a rollback on the legacy tables before the monolith takes them back (the
 * service made rows with its own sequence meanwhile; the monolith's inserts would collide with
 * them). Safe at any other time: it only ever moves a sequence forward.
 *
 * Which columns draw from which sequence comes from the catalog, for any column in any schema:
 * a sequence owned by a column (serial: `pg_depend` 'a'; identity, `ALWAYS` or `BY DEFAULT`:
 * 'i') and a column default that calls `nextval()` (the default's `pg_depend` on the sequence).
 */
import type { Knex } from 'knex';
import { quoteIdent, quoteTable } from '../lib/sql.ts';
import type { QualifiedTable } from '../plan/qualified-table.ts';
import { planSequenceMoves, type SequencePlan, type SequenceUse } from './sequence-moves.ts';

const SEQUENCE_USES_SQL = `
WITH wanted AS (SELECT * FROM json_to_recordset(?::json) AS w(schema text, tab text)),
cols AS (
  SELECT c.oid AS relid, n.nspname AS schema, c.relname AS tab, a.attnum, a.attname AS col,
         t.typcategory = 'N' AS numeric
  FROM wanted w
  JOIN pg_namespace n ON n.nspname = w.schema
  JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.tab
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
),
links AS (
  -- serial ('a': OWNED BY the column) and identity ('i'): the sequence depends on the column
  SELECT d.refobjid AS relid, d.refobjsubid AS attnum, d.objid AS seq,
         CASE d.deptype WHEN 'i' THEN 'identity' ELSE 'serial' END AS kind
  FROM pg_depend d
  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
    AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
  UNION ALL
  -- a column default that calls nextval() of any sequence (shared, or owned by nothing)
  SELECT ad.adrelid, ad.adnum, d.refobjid, 'default'
  FROM pg_attrdef ad
  JOIN pg_depend d ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid
   AND d.refclassid = 'pg_class'::regclass
)
SELECT DISTINCT ON (cols.relid, cols.attnum, l.seq)
       cols.schema, cols.tab AS "table", cols.col AS "column", l.kind, cols.numeric,
       sn.nspname AS seq_schema, s.relname AS seq_name,
       p.seqincrement::text AS increment, p.seqmin::text AS "minValue", p.seqmax::text AS "maxValue"
FROM cols
JOIN links l ON l.relid = cols.relid AND l.attnum = cols.attnum
JOIN pg_class s ON s.oid = l.seq AND s.relkind = 'S'
JOIN pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_sequence p ON p.seqrelid = s.oid
-- identity or serial before a plain default, when a column has both links to one sequence
ORDER BY cols.relid, cols.attnum, l.seq, l.kind = 'default'`;

type UseRow = Omit<
  SequenceUse,
  'sequence' | 'lastValue' | 'isCalled' | 'columnMax' | 'columnMin'
> & { seq_schema: string; seq_name: string };

/** What the catalog and the tables say about every column of `tables` that draws from a sequence. */
export async function readSequenceUses(db: Knex, tables: QualifiedTable[]): Promise<SequenceUse[]> {
  if (tables.length === 0) return [];
  const wanted = JSON.stringify(tables.map((t) => ({ schema: t.schema, tab: t.table })));
  const { rows } = await db.raw<{ rows: UseRow[] }>(SEQUENCE_USES_SQL, [wanted]);
  const uses: SequenceUse[] = [];
  for (const { seq_schema, seq_name, ...row } of rows) {
    const sequence = quoteTable(seq_schema, seq_name);
    const state = await db.raw<{ rows: { last_value: string; is_called: boolean }[] }>(
      `SELECT last_value::text, is_called FROM ${sequence}`,
    );
    const col = quoteIdent(row.column);
    // outwards to whole numbers, so a numeric column's 4.5 is passed by 5, not 4
    const range = row.numeric
      ? await db.raw<{ rows: { max: string | null; min: string | null }[] }>(
          `SELECT ceil(max(${col})::numeric)::text AS max, floor(min(${col})::numeric)::text AS min
             FROM ${quoteTable(row.schema, row.table)}`,
        )
      : { rows: [{ max: null, min: null }] };
    uses.push({
      ...row,
      sequence,
      lastValue: state.rows[0].last_value,
      isCalled: state.rows[0].is_called,
      columnMax: range.rows[0].max,
      columnMin: range.rows[0].min,
    });
  }
  return uses;
}

/**
 * Moves every sequence the columns of `tables` draw from past the values in them; returns what
 * it moved and what it left alone, for the cut-over's progress.
 */
export async function alignIdSequences(db: Knex, tables: QualifiedTable[]): Promise<SequencePlan> {
  const planned = planSequenceMoves(await readSequenceUses(db, tables));
  for (const move of planned.moves)
    await db.raw(`SELECT setval(?::regclass, ?::bigint, true)`, [move.sequence, move.to]);
  return planned;
}
