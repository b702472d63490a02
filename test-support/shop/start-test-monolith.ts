/**
 * For e2e suites: the monolith over a fresh clone of the migrated legacy template, listening on
 * a free loopback port, with the same tiny JSON client as a service's test server, so that both
 * can be asked alike. `close()` stops it and drops the database.
 */
import { createLogger } from '../../lib/logger.ts';
import { createMonolithApp } from '../../monolith/app.ts';
import { createTestDatabase, type TestDatabase } from '../databases.ts';
import { startTestServer, type TestServer } from './start-test-service.ts';

export type TestMonolith = TestServer & { db: TestDatabase };

export async function startTestMonolith(): Promise<TestMonolith> {
  const db = await createTestDatabase({ cluster: 'legacy', template: 'legacy' });
  const server = await startTestServer(
    createMonolithApp({ db: db.knex, log: createLogger('monolith-test', () => {}) }),
  );
  return {
    ...server,
    db,
    async close() {
      await server.close();
      await db.drop();
    },
  };
}
