/**
 * For e2e suites: the monolith over a fresh clone of the migrated legacy template, listening on
 * a free loopback port, with a tiny JSON client. `close()` stops it and drops the database.
 */
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../lib/logger.ts';
import { createTestDatabase, type TestDatabase } from '../databases.ts';
import { createMonolithApp } from '../../monolith/app.ts';

export type JsonAnswer = { status: number; body: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

export type TestMonolith = {
  baseUrl: string;
  db: TestDatabase;
  call(method: string, path: string, body?: unknown): Promise<JsonAnswer>;
  close(): Promise<void>;
};

export async function startTestMonolith(): Promise<TestMonolith> {
  const db = await createTestDatabase({ cluster: 'legacy', template: 'legacy' });
  const app = createMonolithApp({ db: db.knex, log: createLogger('monolith-test', () => {}) });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) =>
    server.once('listening', resolve).once('error', reject),
  );
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    db,
    async call(method, path, body) {
      const response = await fetch(baseUrl + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.drop();
    },
  };
}
