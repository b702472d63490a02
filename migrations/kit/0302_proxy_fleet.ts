/**
 * The proxy fleet's state (proxy/fleet/): every proxy registers in `proxies` and renews a lease
 * there every second with the stages it routes by and when it last read them from Unleash; the
 * control plane counts a proxy only while its lease holds. `write_holds` are the write holds of a
 * cut-over, each with an expiry: a proxy reads the active ones when it starts and on each renewal,
 * so one that starts during a hold holds too, and a hold nobody releases lapses on its own.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE proxies (
      proxy_id         text        PRIMARY KEY,
      host             text        NOT NULL,
      pid              integer     NOT NULL,
      version          text        NOT NULL,
      url              text,                 -- the public side, once it listens
      admin_url        text        NOT NULL,
      stages           jsonb       NOT NULL DEFAULT '{}', -- service -> { stage, percent }
      stages_read_at   timestamptz,          -- when it last had an answer from Unleash
      started_at       timestamptz NOT NULL DEFAULT now(),
      heartbeat_at     timestamptz NOT NULL DEFAULT now(),
      lease_expires_at timestamptz NOT NULL
    )`);
  await knex.raw(`
    CREATE TABLE write_holds (
      service    text        PRIMARY KEY,
      hold_id    text        NOT NULL, -- one cut-over's hold, told from the next one's
      bound_ms   integer     NOT NULL, -- how long a held write waits before 503 + Retry-After
      held_by    text        NOT NULL,
      held_at    timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE write_holds');
  await knex.raw('DROP TABLE proxies');
}
