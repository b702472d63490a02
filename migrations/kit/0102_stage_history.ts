/**
 * The audit of stage changes made by `ficus stage` (and, later, `ficus rollout`): who moved which
 * service from where to where, when, why, whether gates were forced, and the gate values then.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE stage_history (
      id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      changed_at   timestamptz NOT NULL DEFAULT now(),
      service      text        NOT NULL,
      from_stage   text        NOT NULL,
      from_percent integer     NOT NULL,
      to_stage     text        NOT NULL,
      to_percent   integer     NOT NULL,
      actor        text        NOT NULL,
      reason       text,
      forced       boolean     NOT NULL DEFAULT false,
      gates        jsonb       NOT NULL DEFAULT '{}'
    )`);
  await knex.raw('CREATE INDEX stage_history_service_time ON stage_history (service, changed_at)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE stage_history');
}
