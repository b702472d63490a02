/**
 * When the read a comparison judges was made (`read_at`: the proxy received it), beside when the
 * comparison was stored (`recorded_at`). A differing read is asked again 1.5 s later and the
 * recorder writes every 0.5 s, so a comparison can be stored seconds after its read: gates judge
 * a window by the reads made in it, not by what happened to be stored in it (a read of a defect
 * fixed just before `rollout --resume` must not count against the resumed step).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE proxy_comparisons ADD COLUMN read_at timestamptz');
  // rows stored before this column: the store time is the best known read time
  await knex.raw('UPDATE proxy_comparisons SET read_at = recorded_at');
  await knex.raw(
    'ALTER TABLE proxy_comparisons ALTER COLUMN read_at SET NOT NULL, ALTER COLUMN read_at SET DEFAULT now()',
  );
  // the gates' window by service moves to the read time; nothing asks by service and store time
  // any more, and every recorded batch would still pay for keeping that index
  await knex.raw(
    'CREATE INDEX proxy_comparisons_service_read_time ON proxy_comparisons (service, read_at)',
  );
  await knex.raw('DROP INDEX proxy_comparisons_service_time');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    'CREATE INDEX proxy_comparisons_service_time ON proxy_comparisons (service, recorded_at)',
  );
  await knex.raw('ALTER TABLE proxy_comparisons DROP COLUMN read_at');
}
