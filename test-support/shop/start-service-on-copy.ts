/**
 * For e2e suites: an extracted service beside a test monolith, as in the parallel run. It gets a
 * fresh clone of its migrated template holding the monolith's data, copied through the plan's
 * mapping (copy-through-plan.ts), and connects as its own login role, as in production.
 * `close()` stops it, closes its pool and drops its database; the monolith is the caller's.
 *
 * @example
 *   const catalog = await startServiceOnCopy(shop, 'catalog', (db) => createCatalogApp({ db }));
 *   afterAll(() => catalog.close());
 */
import type { Express } from 'express';
import type { Knex } from 'knex';
import { createDatabase } from '../../extracted/shared/database.ts';
import { createTestDatabase, type TestDatabase } from '../databases.ts';
import { copyThroughPlan } from './copy-through-plan.ts';
import type { TestMonolith } from './start-test-monolith.ts';
import { startTestServer, type TestServer } from './start-test-service.ts';

export type TestServiceOnCopy = TestServer & {
  /** the clone, with an admin pool */
  db: TestDatabase;
  /** the service's own pool on the clone, as its login role */
  knex: Knex;
};

export async function startServiceOnCopy(
  shop: TestMonolith,
  service: string,
  createApp: (db: Knex) => Express,
): Promise<TestServiceOnCopy> {
  const db = await createTestDatabase({ cluster: 'services', template: service, owner: service });
  let knex: Knex | undefined;
  try {
    await copyThroughPlan({
      legacyUrl: shop.db.url,
      serviceUrl: db.url,
      service,
      serviceDb: db.knex,
    });
    knex = createDatabase(db.urlAs(service));
    const server = await startTestServer(createApp(knex));
    const pool = knex;
    return {
      ...server,
      db,
      knex: pool,
      async close() {
        await server.close();
        await pool.destroy();
        await db.drop();
      },
    };
  } catch (error) {
    await knex?.destroy();
    await db.drop();
    throw error;
  }
}
