/**
 * The sync fleet's state (cdc/fleet/): which sync direction of a service is switched on, and the
 * workers that follow it. The cut-over and the rollback change `sync_assignments` (each change
 * bumps the generation) and wait until the workers in `sync_workers` report acting on it; the
 * workers run under the user's own supervisor and renew a lease there every second. No row in
 * `sync_assignments` means the default: forward on, reverse off.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE sync_assignments (
      service    text        NOT NULL,
      direction  text        NOT NULL CHECK (direction IN ('forward', 'reverse')),
      active     boolean     NOT NULL,
      generation bigint      NOT NULL,
      changed_at timestamptz NOT NULL DEFAULT now(),
      changed_by text        NOT NULL,
      why        text,
      PRIMARY KEY (service, direction)
    )`);
  await knex.raw(`
    CREATE TABLE sync_workers (
      worker_id        text        PRIMARY KEY,
      service          text        NOT NULL,
      direction        text        NOT NULL CHECK (direction IN ('forward', 'reverse')),
      host             text        NOT NULL,
      pid              integer     NOT NULL,
      version          text        NOT NULL,
      state            text        NOT NULL CHECK (state IN ('running', 'standby', 'stopping')),
      generation       bigint      NOT NULL, -- the assignment generation its state acts on
      applied          bigint      NOT NULL DEFAULT 0,
      lag              bigint,
      started_at       timestamptz NOT NULL DEFAULT now(),
      heartbeat_at     timestamptz NOT NULL DEFAULT now(),
      lease_expires_at timestamptz NOT NULL
    )`);
  await knex.raw('CREATE INDEX sync_workers_service ON sync_workers (service, direction)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE sync_workers');
  await knex.raw('DROP TABLE sync_assignments');
}
