/**
 * The write cut-over's journal (rollout/cutover-journal.ts): one row per cut-over or rollback,
 * its current step and the steps done that an undo must revert, renewed with a lease while the
 * process runs. A row still `running` whose lease has lapsed is a cut-over that died: `ficus status`
 * names it and the next `ficus stage` of its service finishes or undoes it first.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE cutover_journal (
      id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      service          text        NOT NULL,
      from_stage       text        NOT NULL,
      to_stage         text        NOT NULL,
      to_percent       integer     NOT NULL DEFAULT 0,
      actor            text        NOT NULL,
      started_at       timestamptz NOT NULL DEFAULT now(),
      step             text        NOT NULL,
      undo             jsonb       NOT NULL DEFAULT '[]', -- steps done that an undo reverts, in order
      hold_id          text,                              -- the fleet hold it took, once taken
      flipped          boolean     NOT NULL DEFAULT false,
      state            text        NOT NULL
        CHECK (state IN ('running', 'done', 'undone', 'interrupted')),
      lease_expires_at timestamptz NOT NULL,
      updated_at       timestamptz NOT NULL DEFAULT now()
    )`);
  // one cut-over of a service at a time
  await knex.raw(
    `CREATE UNIQUE INDEX cutover_journal_one_running ON cutover_journal (service) WHERE state = 'running'`,
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE cutover_journal');
}
