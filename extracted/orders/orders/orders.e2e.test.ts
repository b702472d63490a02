/**
 * The orders service against the monolith, over real HTTP. The same logical data lives in a
 * legacy test DB and, copied through the plan's mapping as the forward sync does, in an orders
 * test DB (the service connects as its own role `orders`). Reads come from the orders DB alone;
 * placing an order reserves stock through the monolith's inventory API.
 */
import { expectSameAnswers, withoutFields } from '../../../test-support/shop/same-answers.ts';
import { seedLegacy } from '../../../test-support/shop/shop-fixture.ts';
import type { TestServiceOnCopy } from '../../../test-support/shop/start-service-on-copy.ts';
import {
  startTestMonolith,
  type TestMonolith,
} from '../../../test-support/shop/start-test-monolith.ts';
import { startTestOrders } from '../../../test-support/shop/start-test-orders.ts';

let shop: TestMonolith;
let orders: TestServiceOnCopy;

beforeAll(async () => {
  shop = await startTestMonolith();
  await seedLegacy(shop.db.knex);
  orders = await startTestOrders(shop);
});

afterAll(async () => {
  await orders?.close();
  await shop?.close();
});

const TIMESTAMPS = ['createdAt', 'updatedAt'];

const same = (method: string, path: string, body?: unknown, ignore?: string[]) =>
  expectSameAnswers(shop, orders, method, path, body, ignore);

const stock = async (productId: number) =>
  (await shop.call('GET', `/api/inventory/${productId}`)).body;

describe('orders answers like the monolith', () => {
  it('GET /health', async () => {
    expect((await same('GET', '/health'))[1].body).toEqual({ status: 'ok' });
  });

  it('GET /api/orders/:id from its own DB: names from the replicas, unit prices from the lines', async () => {
    const [legacy] = await same('GET', '/api/orders/1');
    expect(legacy.body).toEqual({
      id: 1,
      customerId: 1,
      customerName: 'Ada Lovelace',
      status: 'placed',
      paymentStatus: 'pending',
      total: 100.18,
      createdAt: '2025-05-01T08:10:00.133Z',
      updatedAt: '2025-05-01T08:11:00.134Z',
      items: [
        { id: 1, productId: 1, productName: 'Desk Lamp', quantity: 2, unitPrice: 49.99 },
        { id: 2, productId: 2, productName: 'Bulb', quantity: 2, unitPrice: 0.1 },
      ],
    });
    expect((await same('GET', '/api/orders/999'))[0].status).toBe(404);
    expect((await same('GET', '/api/orders/x'))[0].status).toBe(400);
  });

  it('keeps the price of the time of ordering when the product is renamed and repriced later', async () => {
    // The same change on both sides, as forward sync would carry it into product_snapshots.
    await shop.db
      .knex('products')
      .where({ id: 1 })
      .update({ name: 'Desk Lamp II', price: '59.00' });
    await orders
      .knex('product_snapshots')
      .where({ product_id: 1 })
      .update({ name: 'Desk Lamp II', price: '59.00' });
    const [legacy] = await same('GET', '/api/orders/1');
    expect(legacy.body.items[0]).toEqual({
      id: 1,
      productId: 1,
      productName: 'Desk Lamp II',
      quantity: 2,
      unitPrice: 49.99,
    });
  });

  it('refuses bad orders with the same codes and messages, leaving stock as it was', async () => {
    const before = await stock(2);
    const bodies = [
      { customerId: 1, items: [] },
      { customerId: 1, items: [{ productId: 2, quantity: 0 }] },
      { customerId: 1, items: [{ productId: 2, quantity: 1 }], paymentMethod: 'cash' },
      { customerId: 99, items: [{ productId: 2, quantity: 1 }] },
      { customerId: 1, items: [{ productId: 99, quantity: 1 }] },
      { customerId: 1, items: [{ productId: 3, quantity: 1 }] },
      {
        customerId: 1,
        items: [
          { productId: 2, quantity: 1 },
          { productId: 1, quantity: 9 },
        ],
      },
      '{oops',
    ];
    const statuses = [];
    for (const body of bodies) statuses.push((await same('POST', '/api/orders', body))[0].status);
    expect(statuses).toEqual([400, 400, 400, 404, 404, 409, 409, 400]);
    // A shortage on one line gives back what the other lines had reserved (updatedAt moves).
    expect(await stock(2)).toMatchObject({ quantity: before.quantity, reserved: before.reserved });
  });

  it('places an order: stock reserved in the monolith, order + lines + pending payment in its own DB', async () => {
    const request = {
      customerId: 2,
      items: [
        { productId: 4, quantity: 1 },
        { productId: 2, quantity: 5 },
      ],
      paymentMethod: 'invoice',
    };
    const before = await stock(2);
    const legacy = await shop.call('POST', '/api/orders', request);
    const service = await orders.call('POST', '/api/orders', request);
    // Same shape and values; the new ids agree because both sequences stand past the same rows.
    expect(withoutFields(service, TIMESTAMPS)).toEqual(withoutFields(legacy, TIMESTAMPS));
    expect(service.body).toMatchObject({
      status: 'placed',
      paymentStatus: 'pending',
      total: 1234568.39,
      customerName: 'Grace Hopper',
    });
    const orderId = service.body.id;
    // The monolith's order raised `reserved`; the service's reservation lowered `quantity`.
    expect(await stock(2)).toMatchObject({
      quantity: before.quantity - 5,
      reserved: before.reserved + 5,
    });
    expect(
      await orders
        .knex('payments')
        .where({ order_id: orderId })
        .select('amount', 'method', 'status'),
    ).toEqual([{ amount: '1234568.39', method: 'invoice', status: 'pending' }]);
    expect(await orders.knex('order_items').where({ order_id: orderId }).count({ n: '*' })).toEqual(
      [{ n: '2' }],
    );
    expect((await orders.call('GET', `/api/orders/${orderId}`)).body).toEqual(service.body);
    // Product 4 had 3 in stock, 2 are now taken by the two orders: a third order of 2 is short on both sides.
    const [short] = await same('POST', '/api/orders', {
      customerId: 2,
      items: [{ productId: 4, quantity: 2 }],
    });
    expect(short.body).toMatchObject({
      error: 'conflict',
      details: { shortages: [{ productId: 4, requested: 2, available: 1 }] },
    });
  });

  it('settles payments through the callback like the monolith', async () => {
    const [paid] = await same('POST', '/api/payments/callback', {
      orderId: 1,
      status: 'paid',
      reference: 'PSP-1',
    });
    expect(paid.body).toEqual({ orderId: 1, paymentStatus: 'paid' });
    await same('POST', '/api/payments/callback', {
      orderId: 1,
      status: 'paid',
      reference: 'PSP-1',
    });
    expect(
      (
        await same('POST', '/api/payments/callback', {
          orderId: 1,
          status: 'failed',
          reference: 'PSP-2',
        })
      )[0].status,
    ).toBe(409);
    expect(
      (
        await same('POST', '/api/payments/callback', {
          orderId: 999,
          status: 'paid',
          reference: 'x',
        })
      )[0].status,
    ).toBe(404);
    expect(
      (
        await same('POST', '/api/payments/callback', {
          orderId: 1,
          status: 'maybe',
          reference: 'x',
        })
      )[0].status,
    ).toBe(400);
    expect(await orders.knex('payments').where({ order_id: 1 }).first()).toMatchObject({
      status: 'paid',
      reference: 'PSP-1',
    });
    await same('GET', '/api/orders/1', undefined, ['updatedAt']);
  });

  it('tells the catalog which products were ordered', async () => {
    expect((await orders.call('GET', '/internal/products/2/ordered')).body).toEqual({
      productId: 2,
      ordered: true,
    });
    expect((await orders.call('GET', '/internal/products/3/ordered')).body).toEqual({
      productId: 3,
      ordered: false,
    });
  });
});
