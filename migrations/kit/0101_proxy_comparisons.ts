/**
 * The parallel run's record (written by the proxy, read by `ficus report` and the rollout gates):
 * one row per comparison of a read answered by the monolith and by the service. Differences are
 * stored redacted, as `[{ path, kind, legacy?, service? }]`. Retention is capped by the proxy
 * (newest FICUS_PROXY_COMPARISON_RETENTION rows). Learned noise sits beside it.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE proxy_comparisons (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      recorded_at    timestamptz NOT NULL DEFAULT now(),
      request_id     text        NOT NULL,
      service        text        NOT NULL,
      route          text        NOT NULL,
      method         text        NOT NULL,
      url            text        NOT NULL,
      outcome        text        NOT NULL CHECK (outcome IN ('match', 'mismatch', 'error')),
      legacy_status  integer,
      service_status integer,
      legacy_ms      real,
      service_ms     real,
      differences    jsonb       NOT NULL DEFAULT '[]',
      legacy_error   text,
      service_error  text
    )`);
  await knex.raw(
    'CREATE INDEX proxy_comparisons_route_time ON proxy_comparisons (route, recorded_at)',
  );
  await knex.raw(
    'CREATE INDEX proxy_comparisons_service_time ON proxy_comparisons (service, recorded_at)',
  );
  await knex.raw(`
    CREATE TABLE proxy_noise (
      route      text        NOT NULL,
      path       text        NOT NULL,
      learned_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (route, path)
    )`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE proxy_noise');
  await knex.raw('DROP TABLE proxy_comparisons');
}
