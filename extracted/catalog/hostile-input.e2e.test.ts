/**
 * No input reaches a 5xx in the catalog: fast-check throws hostile JSON (NUL, lone surrogates,
 * odd code points, prices past what its integer cents hold, wrong types, missing and unknown
 * fields), raw bytes that are not UTF-8 and odd path segments at the real catalog app, connected
 * as its own role to a real test database. Every answer is below 500, and a 400 names the field.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { createLogger } from '../../lib/logger.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/databases.ts';
import {
  bodyOf,
  callRaw,
  expectRefusedCleanly,
  hostileSegment,
  rawBodyWithBytes,
} from '../../test-support/shop/hostile-input.ts';
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

const RUNS = { numRuns: 150 };

async function holds(method: string, path: string, body?: unknown): Promise<void> {
  expectRefusedCleanly(await catalog.call(method, path, body), { method, path, body });
}

const product = {
  sku: fc.stringMatching(/^[A-Z][A-Z0-9._-]{0,20}$/),
  name: fc.string({ minLength: 1, maxLength: 40 }),
  description: fc.option(fc.string({ maxLength: 40 })),
  // every price the contract allows, most of them past what the catalog's cents hold
  price: fc.integer({ min: 0, max: 999_999_999_999 }).map((cents) => cents / 100),
  active: fc.boolean(),
};

describe('the catalog refuses hostile input cleanly (property)', () => {
  it('products: POST and PUT bodies', async () => {
    await fc.assert(
      fc.asyncProperty(bodyOf(product), async (body) => holds('POST', '/api/products', body)),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(bodyOf(product), async (body) =>
        holds('PUT', `/api/products/${productId}`, body),
      ),
      RUNS,
    );
  });

  it('ids in paths', async () => {
    const method = fc.constantFrom('GET', 'PUT');
    await fc.assert(
      fc.asyncProperty(method, hostileSegment, async (verb, segment) =>
        holds(verb, `/api/products/${segment}`, verb === 'PUT' ? { name: 'x' } : undefined),
      ),
      RUNS,
    );
  });

  it('raw bytes that are not UTF-8 in a JSON body', async () => {
    await fc.assert(
      fc.asyncProperty(rawBodyWithBytes({ sku: 'RAW-1', price: 1 }, 'name'), async (bytes) => {
        const answer = await callRaw(catalog.baseUrl, 'POST', '/api/products', bytes);
        expectRefusedCleanly(answer, bytes.toString('hex'));
        if (!isUtf8(bytes)) expect(answer.body.details).toEqual({ field: 'body' });
      }),
      RUNS,
    );
  });
});

describe('what the property tests found, kept as plain cases', () => {
  it('keeps the largest price its cents hold, refuses one cent more naming price', async () => {
    const largest = PRICE_CENTS_COLUMN_MAX / 100;
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
