/**
 * `ficus rollout` runs: the steps, where the rollout stands (current step, last step that held
 * a full interval), its status, and why it ended (the gate that broke, with the gate values), so
 * that `ficus rollout --resume` continues a stopped or rolled-back rollout and `ficus status`
 * can say what happened. Stage changes themselves are audited in stage_history.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE rollouts (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      service        text        NOT NULL,
      started_at     timestamptz NOT NULL DEFAULT now(),
      updated_at     timestamptz NOT NULL DEFAULT now(),
      steps          integer[]   NOT NULL,
      interval_ms    integer     NOT NULL,
      status         text        NOT NULL CHECK (status IN ('running', 'completed', 'rolled-back', 'stopped', 'stalled', 'refused')),
      current_step   integer     NOT NULL, -- index into steps; -1: before the first step (shadow)
      last_good_step integer     NOT NULL, -- index of the last step that held a full interval; -1: none
      reason         text,
      gates          jsonb       NOT NULL DEFAULT '[]'
    )`);
  await knex.raw('CREATE INDEX rollouts_service_time ON rollouts (service, started_at DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE rollouts');
}
