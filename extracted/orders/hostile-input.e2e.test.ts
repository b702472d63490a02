/**
 * No input reaches a 5xx in the orders service: fast-check throws hostile JSON (NUL, lone
 * surrogates, odd code points, numbers past every column's range, wrong types, missing and
 * unknown fields), raw bytes that are not UTF-8 and odd path segments at the real orders app on
 * its own test database (connected as its own role), reserving stock through a real test
 * monolith. Every answer is below 500, and a 400 names the field.
 */
import fc from 'fast-check';
import {
  bodiesAreRefusedCleanly,
  hostileSegment,
  PROPERTY_RUNS,
  rawBytesAreRefused,
  refusesCleanly,
} from '../../test-support/shop/hostile-input.ts';
import { orderBody, paymentCallbackBody } from '../../test-support/shop/shop-bodies.ts';
import { EXTREMES, seedExtremes, seedLegacy } from '../../test-support/shop/shop-fixture.ts';
import type { TestServiceOnCopy } from '../../test-support/shop/start-service-on-copy.ts';
import {
  startTestMonolith,
  type TestMonolith,
} from '../../test-support/shop/start-test-monolith.ts';
import { startTestOrders } from '../../test-support/shop/start-test-orders.ts';

let shop: TestMonolith;
let orders: TestServiceOnCopy;

beforeAll(async () => {
  shop = await startTestMonolith();
  await seedLegacy(shop.db.knex);
  await seedExtremes(shop.db.knex);
  orders = await startTestOrders(shop);
});

afterAll(async () => {
  await orders?.close();
  await shop?.close();
});

describe('the orders service refuses hostile input cleanly (property)', () => {
  it('orders: POST bodies', () =>
    bodiesAreRefusedCleanly(orders, 'POST', '/api/orders', orderBody));

  it('payments: callback bodies', () =>
    bodiesAreRefusedCleanly(orders, 'POST', '/api/payments/callback', paymentCallbackBody));

  it('ids in paths', async () => {
    const holds = refusesCleanly(orders);
    const prefix = fc.constantFrom('/api/orders/', '/internal/products/');
    await fc.assert(
      fc.asyncProperty(prefix, hostileSegment, async (path, segment) =>
        holds('GET', path + segment + (path.startsWith('/internal') ? '/ordered' : '')),
      ),
      PROPERTY_RUNS,
    );
  });

  it('raw bytes that are not UTF-8 in a JSON body', async () => {
    const base = { orderId: 1, status: 'paid' };
    await fc.assert(
      rawBytesAreRefused(orders.baseUrl, '/api/payments/callback', base, 'reference'),
      PROPERTY_RUNS,
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
