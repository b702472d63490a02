import knexFactory, { type Knex } from 'knex';

/** The knex instance over the legacy DB. */
export function createDb(url: string, options: { poolMax?: number } = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: options.poolMax ?? 10 },
  });
}
