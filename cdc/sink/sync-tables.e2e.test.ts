// The sink's bookkeeping tables on a real PostgreSQL: workers that start at the same moment (the
// members of one group, or both directions) all get past creating them.
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../test-support/databases.ts';
import { BOOKKEEPING_DDL } from './sync-tables.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ cluster: 'services', template: 'kit' });
});
afterAll(() => db?.drop());

it('creates the bookkeeping tables from many connections at once', async () => {
  const clients = Array.from({ length: 8 }, () => new pg.Client({ connectionString: db.url }));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    const outcomes = await Promise.allSettled(clients.map((c) => c.query(BOOKKEEPING_DDL)));
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    const { rows } = await clients[0].query(
      `SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('ficus_sync_offsets', 'ficus_sync_origin')`,
    );
    expect(rows[0].n).toBe(2);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
});
