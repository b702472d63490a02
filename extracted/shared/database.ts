/** The knex handle of a service: Postgres only, a small pool (2 cores are shared on the demo). */
import knex, { type Knex } from 'knex';

export function createDatabase(url: string, pool = { min: 0, max: 5 }): Knex {
  return knex({ client: 'pg', connection: url, pool });
}
