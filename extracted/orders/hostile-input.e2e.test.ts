/**
 * No input reaches a 5xx in the orders service: fast-check throws hostile JSON (NUL, lone
 * surrogates, odd code points, numbers past every column's range, wrong types, missing and
 * unknown fields), raw bytes that are not UTF-8 and odd path segments at the real orders app on
 * its own test database (connected as its own role), reserving stock through a real test
 * monolith. Every answer is below 500, and a 400 names the field.
 */
import fc from 'fast-check';
import type { Knex } from 'knex';
import { createLogger } from '../../lib/logger.ts';
import { createTestDatabase, type TestDatabase } from '../../test-support/databases.ts';
import { copyThroughPlan } from '../../test-support/shop/copy-through-plan.ts';
import {
  expectRefusedCleanly,
  hostileSegment,
  rawBytesAreRefused,
} from '../../test-support/shop/hostile-input.ts';
import { orderBody, paymentCallbackBody } from '../../test-support/shop/shop-bodies.ts';
import { EXTREMES, seedExtremes, seedLegacy } from '../../test-support/shop/shop-fixture.ts';
import {
  startTestMonolith,
  type TestMonolith,
} from '../../test-support/shop/start-test-monolith.ts';
import { startTestServer, type TestServer } from '../../test-support/shop/start-test-service.ts';
import { createDatabase } from '../shared/database.ts';
import { createOrdersApp } from './app.ts';
import { httpShopApi } from './shop-api/http-shop-api.ts';

let shop: TestMonolith;
let ordersDb: TestDatabase;
let ordersKnex: Knex;
let orders: TestServer;

beforeAll(async () => {
  shop = await startTestMonolith();
  await seedLegacy(shop.db.knex);
  await seedExtremes(shop.db.knex);
  ordersDb = await createTestDatabase({ cluster: 'services', template: 'orders', owner: 'orders' });
  await copyThroughPlan({
    legacyUrl: shop.db.url,
    serviceUrl: ordersDb.url,
    service: 'orders',
    serviceDb: ordersDb.knex,
  });
  ordersKnex = createDatabase(ordersDb.urlAs('orders'));
  orders = await startTestServer(
    createOrdersApp({
      db: ordersKnex,
      shop: httpShopApi(shop.baseUrl),
      logger: createLogger('test', () => {}),
    }),
  );
});

afterAll(async () => {
  await orders?.close();
  await ordersKnex?.destroy();
  await Promise.all([ordersDb?.drop(), shop?.close()]);
});

const RUNS = { numRuns: 150 };

async function holds(method: string, path: string, body?: unknown): Promise<void> {
  expectRefusedCleanly(await orders.call(method, path, body), { method, path, body });
}

describe('the orders service refuses hostile input cleanly (property)', () => {
  it('orders: POST bodies', async () => {
    await fc.assert(
      fc.asyncProperty(orderBody, async (body) => holds('POST', '/api/orders', body)),
      RUNS,
    );
  });

  it('payments: callback bodies', async () => {
    await fc.assert(
      fc.asyncProperty(paymentCallbackBody, async (body) =>
        holds('POST', '/api/payments/callback', body),
      ),
      RUNS,
    );
  });

  it('ids in paths', async () => {
    const prefix = fc.constantFrom('/api/orders/', '/internal/products/');
    await fc.assert(
      fc.asyncProperty(prefix, hostileSegment, async (path, segment) =>
        holds('GET', path + segment + (path.startsWith('/internal') ? '/ordered' : '')),
      ),
      RUNS,
    );
  });

  it('raw bytes that are not UTF-8 in a JSON body', async () => {
    const base = { orderId: 1, status: 'paid' };
    await fc.assert(
      rawBytesAreRefused(orders.baseUrl, '/api/payments/callback', base, 'reference'),
      RUNS,
    );
  });
});

describe('what the property tests found, kept as plain cases', () => {
  it('refuses an order whose total numeric(12,2) cannot hold, giving its stock back', async () => {
    const id = EXTREMES.dearProductId;
    const before = (await shop.call('GET', `/api/inventory/${id}`)).body.quantity;
    const answer = await orders.call('POST', '/api/orders', {
      customerId: 1,
      items: [{ productId: id, quantity: 2 }],
    });
    expect(answer).toMatchObject({ status: 400, body: { details: { field: 'items' } } });
    expect((await shop.call('GET', `/api/inventory/${id}`)).body.quantity).toBe(before);
  });

  it('refuses NUL in a payment reference naming the field', async () => {
    const answer = await orders.call('POST', '/api/payments/callback', {
      orderId: 1,
      status: 'paid',
      reference: 'ref\u0000',
    });
    expect(answer).toMatchObject({ status: 400, body: { details: { field: 'reference' } } });
  });
});
