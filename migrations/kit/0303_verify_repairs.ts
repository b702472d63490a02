/**
 * `ficus verify <service> --repair` runs (cdc/verify/repair-service.ts): who ran it and when, the
 * direction each table was repaired in, the rows re-copied and deleted per table, and whether the
 * re-verify of the repaired chunks was clean, so that `ficus status` and `ficus report` show the
 * latest repair of each service. A dry run changes nothing and is not recorded.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE verify_repairs (
      id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      service     text        NOT NULL,
      actor       text        NOT NULL,
      direction   text        NOT NULL CHECK (direction IN ('forward', 'reverse')),
      started_at  timestamptz NOT NULL,
      finished_at timestamptz NOT NULL DEFAULT now(),
      -- [{ source, target, direction, planned: { copy, remove }, copied, deleted, remaining }]
      tables      jsonb       NOT NULL,
      clean_after boolean     NOT NULL
    )`);
  await knex.raw(
    'CREATE INDEX verify_repairs_service_time ON verify_repairs (service, finished_at DESC)',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE verify_repairs');
}
