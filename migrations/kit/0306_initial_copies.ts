/**
 * The bulk initial copies (cdc/copy/): one row per service and legacy table, kept up to date by
 * the sync workers that copy it (rows, chunks, pace, time left, the last error met), so that
 * `ficus status` shows a copy under way and its result. The copy's own state, the one it resumes
 * from, lives in the service's database beside the rows (cdc/copy/copy-store.ts).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE initial_copies (
      service         text        NOT NULL,
      source_table    text        NOT NULL,
      state           text        NOT NULL CHECK (state IN ('requested', 'copying', 'done')),
      rows_copied     bigint      NOT NULL,
      estimated_rows  bigint,
      chunks          integer     NOT NULL,
      chunks_copied   integer     NOT NULL,
      rows_per_second double precision,
      eta_seconds     double precision,
      started_at      timestamptz,
      finished_at     timestamptz,
      last_error      text,
      updated_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (service, source_table)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE initial_copies');
}
