/**
 * The one knex factory of the kit: a small Postgres pool for one database URL. Its pool starts
 * empty (`min: 0`), so an idle program holds no connection.
 *
 *   const db = createKnex(url, { poolMax: 2 });
 *   try { await db('stage_history').select(); } finally { await db.destroy(); }
 */
import knex, { type Knex } from 'knex';

export type KnexOptions = {
  /** the most connections the pool opens */
  poolMax: number;
  /** how long a query waits for a free connection, ms (knex's default: 60 s) */
  acquireConnectionTimeoutMs?: number;
  /** knex prints nothing of its own: for callers that report every failure themselves */
  quiet?: boolean;
};

const silent = () => {};

export function createKnex(url: string, options: KnexOptions): Knex {
  return knex({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: options.poolMax },
    ...(options.acquireConnectionTimeoutMs !== undefined && {
      acquireConnectionTimeout: options.acquireConnectionTimeoutMs,
    }),
    ...(options.quiet && {
      log: { warn: silent, error: silent, deprecate: silent, debug: silent },
    }),
  });
}
