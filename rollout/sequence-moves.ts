/**
 * Which sequences the write cut-over moves, and to where: the pure half of id-sequences.ts.
 *
 * The rows a sync copied carry their keys, so a sequence on the side that takes over the writes
 * lags behind them until someone moves it. The catalog says which columns draw from a sequence
 * (serial, identity `ALWAYS` or `BY DEFAULT`, any `nextval()` default); each sequence is moved so
 * that the next value it hands out is past every value in the columns that draw from it. Never
 * backwards, and a sequence whose columns are empty is left as it is (an unused sequence stays
 * unused: its first value is still its start). Keys the application makes (uuid, text,
 * composite natural keys) draw from no sequence and are not touched.
 */
import { FicusError } from '../lib/errors.ts';

/** One column that draws from a sequence, with both as the catalog and the table have them now. */
export type SequenceUse = {
  schema: string;
  table: string;
  column: string;
  /** how the column draws from it: identity column, serial (owned by), or a `nextval()` default */
  kind: 'identity' | 'serial' | 'default';
  /** the column's type can be compared with the sequence's values (smallint, integer, numeric, …) */
  numeric: boolean;
  /** the sequence, as SQL text (`"Billing"."invoices_id_seq"`) */
  sequence: string;
  increment: string;
  minValue: string;
  maxValue: string;
  lastValue: string;
  isCalled: boolean;
  /** the column's highest and lowest values (rounded outwards), null when the table is empty */
  columnMax: string | null;
  columnMin: string | null;
};

export type SequenceMove = {
  sequence: string;
  /** `setval(sequence, to, true)`: the next value handed out is `to + increment` */
  to: string;
  /** the columns that hold the value moved past */
  because: string;
};

export type SequencePlan = { moves: SequenceMove[]; notes: string[] };

/** A column already holds the last value its sequence may hand out. */
export class SequenceExhausted extends FicusError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('sequence_exhausted', problems.join('; '), { details: { problems } });
    this.problems = problems;
  }
}

const label = (u: SequenceUse) => `${u.schema}.${u.table}.${u.column}`;

/** The value the sequence hands out next, were nothing moved. */
function nextValue(u: SequenceUse): bigint {
  return u.isCalled ? BigInt(u.lastValue) + BigInt(u.increment) : BigInt(u.lastValue);
}

function moveOf(uses: SequenceUse[]): SequenceMove | string | undefined {
  const [first] = uses;
  const ascending = BigInt(first.increment) > 0n;
  const values = uses
    .map((u) => (ascending ? u.columnMax : u.columnMin))
    .filter((v): v is string => v !== null)
    .map(BigInt);
  if (values.length === 0) return undefined; // empty: whatever it would hand out is free
  const extreme = values.reduce((a, b) => (ascending === a > b ? a : b));
  const next = nextValue(first);
  if (ascending ? next > extreme : next < extreme) return undefined;
  const holders = uses
    .filter((u) => (ascending ? u.columnMax : u.columnMin) === String(extreme))
    .map(label);
  const bound = ascending ? BigInt(first.maxValue) : BigInt(first.minValue);
  if (ascending ? extreme >= bound : extreme <= bound)
    return `${first.sequence}: ${holders.join(', ')} holds ${extreme}, at or past the sequence's ${ascending ? 'maximum' : 'minimum'} ${bound}: it has no value left to hand out (ALTER SEQUENCE ${first.sequence} ${ascending ? 'MAXVALUE' : 'MINVALUE'} …, or a wider type)`;
  return { sequence: first.sequence, to: String(extreme), because: holders.join(', ') };
}

/**
 * The moves that put every sequence past the values of its columns, and notes on the columns
 * left alone. Throws when a column already holds a value the sequence cannot go past: a cut-over
 * must not hand the writes to a side whose next insert fails.
 */
export function planSequenceMoves(uses: SequenceUse[]): SequencePlan {
  const notes: string[] = [];
  const bySequence = new Map<string, SequenceUse[]>();
  for (const use of uses) {
    if (!use.numeric) {
      notes.push(
        `${label(use)} draws from ${use.sequence} but is not a number: its values are the application's, left alone`,
      );
      continue;
    }
    bySequence.set(use.sequence, [...(bySequence.get(use.sequence) ?? []), use]);
  }
  const moves: SequenceMove[] = [];
  const problems: string[] = [];
  for (const group of bySequence.values()) {
    const move = moveOf(group);
    if (typeof move === 'string') problems.push(move);
    else if (move) moves.push(move);
  }
  if (problems.length) throw new SequenceExhausted(problems);
  return { moves, notes };
}
