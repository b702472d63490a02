/**
 * The kit's own database (`ficus` on the services cluster): one small knex pool for what the
 * proxy and the CLI store there. The tables come from migrations/kit (`ficus migrate kit`).
 */
import knex, { type Knex } from 'knex';

export function openKitDb(url: string, poolMax = 4): Knex {
  return knex({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 5000,
  });
}
