/**
 * No input reaches a 5xx in the catalog: fast-check throws hostile JSON (NUL, lone surrogates,
 * odd code points, prices past what its integer cents hold, wrong types, missing and unknown
 * fields), raw bytes that are not UTF-8 and odd path segments at the real catalog app, connected
 * as its own role to a real test database. Every answer is below 500, and a 400 names the field.
 */
import fc from 'fast-check';
import type { Knex } from 'knex';
import { createLogger } from '../../lib/logger.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/databases.ts';
import {
  bodiesAreRefusedCleanly,
  hostileSegment,
  PROPERTY_RUNS,
  rawBytesAreRefused,
  refusesCleanly,
} from '../../test-support/shop/hostile-input.ts';
import { productBody } from '../../test-support/shop/shop-bodies.ts';
import { startTestServer, type TestServer } from '../../test-support/shop/start-test-service.ts';
import { createDatabase } from '../shared/database.ts';
import { createCatalogApp } from './app.ts';
import { PRICE_CENTS_COLUMN_MAX } from './products/product-input.ts';

let db: TestDatabase;
let knex: Knex;
let catalog: TestServer;
let productId: number;

beforeAll(async () => {
  db = await createTestDatabase({ cluster: 'services', template: 'catalog', owner: 'catalog' });
  knex = createDatabase(db.urlAs('catalog'));
  catalog = await startTestServer(
    createCatalogApp({ db: knex, logger: createLogger('test', () => {}) }),
  );
  productId = (await catalog.call('POST', '/api/products', { sku: 'LAMP', name: 'Lamp', price: 1 }))
    .body.id;
});
afterAll(async () => {
  await catalog?.close();
  await knex?.destroy();
  await db?.drop();
});

const holds = (method: string, path: string, body?: unknown) =>
  refusesCleanly(catalog)(method, path, body);

describe('the catalog refuses hostile input cleanly (property)', () => {
  it('products: POST and PUT bodies', async () => {
    await bodiesAreRefusedCleanly(catalog, 'POST', '/api/products', productBody);
    await bodiesAreRefusedCleanly(catalog, 'PUT', `/api/products/${productId}`, productBody);
  });

  it('ids in paths', async () => {
    const method = fc.constantFrom('GET', 'PUT');
    await fc.assert(
      fc.asyncProperty(method, hostileSegment, async (verb, segment) =>
        holds(verb, `/api/products/${segment}`, verb === 'PUT' ? { name: 'x' } : undefined),
      ),
      PROPERTY_RUNS,
    );
  });

  it('raw bytes that are not UTF-8 in a JSON body', async () => {
    await fc.assert(
      rawBytesAreRefused(catalog.baseUrl, '/api/products', { sku: 'RAW-1', price: 1 }, 'name'),
      PROPERTY_RUNS,
    );
  });
});

describe('what the property tests found, kept as plain cases', () => {
  it('keeps the largest price numeric(12,2) holds, refuses one cent more naming price', async () => {
    const largest = Math.min(PRICE_CENTS_COLUMN_MAX, 999_999_999_999) / 100;
    const kept = await catalog.call('POST', '/api/products', {
      sku: 'TOP',
      name: 'x',
      price: largest,
    });
    expect(kept).toMatchObject({ status: 201, body: { price: largest } });
    const refused = await catalog.call('PUT', `/api/products/${productId}`, {
      price: largest + 0.01,
    });
    expect(refused).toMatchObject({ status: 400, body: { details: { field: 'price' } } });
  });

  it('refuses NUL and lone surrogates naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ description: 'a\u0000b' }, 'description'],
      [{ name: '\udfff' }, 'name'],
      [{ sku: 'A\u0000' }, 'sku'],
    ];
    for (const [body, field] of cases) {
      const answer = await catalog.call('PUT', `/api/products/${productId}`, body);
      expect({ field, status: answer.status, named: answer.body.details?.field }).toEqual({
        field,
        status: 400,
        named: field,
      });
    }
  });
});
