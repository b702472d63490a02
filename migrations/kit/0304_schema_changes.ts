/**
 * Column changes of a captured table the sync saw in the change events (cdc/sink/schema-watch.ts):
 * one row per change and table, written the first time a worker sees it (a restart or a second
 * worker finds it there and adds nothing), read by `ficus status`, `ficus report` and the gates. A
 * breaking change (a mapped column dropped, renamed or changed in type) paused the table's sync
 * at `partition`/`kafka_offset`; `resolved_at` is set once it is dealt with.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE schema_changes (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      service       text        NOT NULL,
      direction     text        NOT NULL CHECK (direction IN ('forward', 'reverse')),
      source_table  text        NOT NULL,
      topic         text        NOT NULL,
      column_name   text        NOT NULL,
      kind          text        NOT NULL CHECK (kind IN ('added', 'dropped', 'renamed', 'type changed')),
      from_value    text,
      to_value      text,
      mapped        boolean     NOT NULL,
      breaking      boolean     NOT NULL,
      description   text        NOT NULL,
      partition     integer     NOT NULL,
      kafka_offset  bigint      NOT NULL,
      lsn           numeric,
      first_seen_at timestamptz NOT NULL,
      resolved_at   timestamptz,
      UNIQUE (service, direction, source_table, description)
    )`);
  await knex.raw(
    'CREATE INDEX schema_changes_open ON schema_changes (service) WHERE resolved_at IS NULL',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE schema_changes');
}
