/**
 * Ids of owned tables come from the legacy rows (forward sync inserts them explicitly), so the
 * identity sequence of a service table lags behind until someone moves it. Call this when the
 * service takes over the writes (the write cut-over), and it is safe at any other time: it only
 * ever moves a sequence forward, past the highest id present.
 */
import type { Knex } from 'knex';

export async function alignIdSequences(db: Knex, tables: string[], column = 'id'): Promise<void> {
  for (const table of tables) {
    await db.raw(
      `SELECT setval(seq, GREATEST((SELECT coalesce(max(??), 0) FROM ??), s.last_value), true)
         FROM (SELECT pg_get_serial_sequence(?, ?)::regclass AS seq) q,
              LATERAL (SELECT last_value FROM pg_sequences
                        WHERE format('%I.%I', schemaname, sequencename)::regclass = q.seq) s`,
      [column, table, table, column],
    );
  }
}
