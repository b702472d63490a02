import {
  startTestMonolith,
  type TestMonolith,
} from '../../test-support/shop/start-test-monolith.ts';

let shop: TestMonolith;
let customerId: number;
let pen: number;
let ink: number;

beforeAll(async () => {
  shop = await startTestMonolith();
  customerId = (
    await shop.call('POST', '/api/customers', { name: 'Olga', email: 'olga@example.com' })
  ).body.id;
  pen = (await shop.call('POST', '/api/products', { sku: 'PEN', name: 'Pen', price: 1.1 })).body.id;
  ink = (await shop.call('POST', '/api/products', { sku: 'INK', name: 'Ink', price: 2.25 })).body
    .id;
  await shop.call('POST', `/api/inventory/${pen}/adjust`, { delta: 10, reason: 'delivery' });
  await shop.call('POST', `/api/inventory/${ink}/adjust`, { delta: 3, reason: 'delivery' });
});
afterAll(() => shop.close());

const count = async (table: string) => Number((await shop.db.knex(table).count({ n: '*' }))[0].n);

describe('inventory over HTTP', () => {
  it('adjusts stock and refuses to go below zero with 409', async () => {
    const product = (
      await shop.call('POST', '/api/products', { sku: 'ADJ', name: 'Adj', price: 1 })
    ).body.id;
    const up = await shop.call('POST', `/api/inventory/${product}/adjust`, {
      delta: 5,
      reason: 'delivery',
    });
    expect(up).toMatchObject({
      status: 200,
      body: { productId: product, quantity: 5, reserved: 0 },
    });
    const below = await shop.call('POST', `/api/inventory/${product}/adjust`, {
      delta: -6,
      reason: 'breakage',
    });
    expect(below).toMatchObject({ status: 409, body: { error: 'conflict' } });
    expect((await shop.call('GET', `/api/inventory/${product}`)).body.quantity).toBe(5);
    const bad = await shop.call('POST', `/api/inventory/${product}/adjust`, {
      delta: 'many',
      reason: 'x',
    });
    expect(bad).toMatchObject({ status: 400, body: { details: { field: 'delta' } } });
    expect((await shop.call('GET', '/api/inventory/999999')).status).toBe(404);
  });
});

describe('orders and payments over HTTP', () => {
  it('places an order: reserves stock, writes lines and a pending payment, answers with names', async () => {
    const placed = await shop.call('POST', '/api/orders', {
      customerId,
      items: [
        { productId: pen, quantity: 3 },
        { productId: ink, quantity: 2 },
      ],
      paymentMethod: 'paypal',
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      customerId,
      customerName: 'Olga',
      status: 'placed',
      paymentStatus: 'pending',
      total: 7.8,
    });
    expect(placed.body.items).toEqual([
      { id: expect.any(Number), productId: pen, productName: 'Pen', quantity: 3, unitPrice: 1.1 },
      { id: expect.any(Number), productId: ink, productName: 'Ink', quantity: 2, unitPrice: 2.25 },
    ]);
    expect((await shop.call('GET', `/api/inventory/${pen}`)).body).toMatchObject({
      quantity: 10,
      reserved: 3,
    });
    const payment = await shop.db.knex('payments').where({ order_id: placed.body.id }).first();
    expect(payment).toMatchObject({ amount: '7.80', method: 'paypal', status: 'pending' });
    expect((await shop.call('GET', `/api/orders/${placed.body.id}`)).body).toEqual(placed.body);

    const list = await shop.call('GET', `/api/orders?customerId=${customerId}`);
    expect(list.body.items.map((o: { id: number }) => o.id)).toContain(placed.body.id);
    expect(list.body.items[0]).not.toHaveProperty('items');

    // Product that was ordered can no longer be deleted; nor can the customer.
    expect((await shop.call('DELETE', `/api/products/${pen}`)).status).toBe(409);
    expect((await shop.call('DELETE', `/api/customers/${customerId}`)).status).toBe(409);
  });

  it('refuses an order beyond the unreserved stock with 409 and writes nothing', async () => {
    const before = {
      orders: await count('orders'),
      items: await count('order_items'),
      payments: await count('payments'),
    };
    const stockBefore = (await shop.call('GET', `/api/inventory/${pen}`)).body;
    const refused = await shop.call('POST', '/api/orders', {
      customerId,
      items: [
        { productId: pen, quantity: 1 },
        { productId: ink, quantity: 2 },
      ],
    });
    expect(refused).toMatchObject({
      status: 409,
      body: {
        error: 'conflict',
        details: { shortages: [{ productId: ink, requested: 2, available: 1 }] },
      },
    });
    expect({
      orders: await count('orders'),
      items: await count('order_items'),
      payments: await count('payments'),
    }).toEqual(before);
    expect((await shop.call('GET', `/api/inventory/${pen}`)).body).toEqual(stockBefore);
  });

  it('refuses concurrent orders beyond the stock: exactly as many succeed as there is stock for', async () => {
    const product = (
      await shop.call('POST', '/api/products', { sku: 'RACE', name: 'Race', price: 1 })
    ).body.id;
    await shop.call('POST', `/api/inventory/${product}/adjust`, { delta: 4, reason: 'delivery' });
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () =>
        shop.call('POST', '/api/orders', {
          customerId,
          items: [
            { productId: product, quantity: 1 },
            { productId: pen, quantity: 1 },
          ],
        }),
      ),
    );
    expect(attempts.filter((a) => a.status === 201)).toHaveLength(4);
    expect(attempts.filter((a) => a.status === 409)).toHaveLength(4);
    expect((await shop.call('GET', `/api/inventory/${product}`)).body).toMatchObject({
      quantity: 4,
      reserved: 4,
    });
  });

  it('answers 400 naming the field and 404 for unknown references', async () => {
    const bad = await shop.call('POST', '/api/orders', {
      customerId,
      items: [{ productId: pen, quantity: 0 }],
    });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: 'validation_failed', details: { field: 'items[0].quantity' } },
    });
    const noCustomer = await shop.call('POST', '/api/orders', {
      customerId: 999999,
      items: [{ productId: pen, quantity: 1 }],
    });
    expect(noCustomer).toMatchObject({ status: 404, body: { error: 'not_found' } });
    expect((await shop.call('GET', '/api/orders/999999')).status).toBe(404);
  });

  it('settles a payment by callback: payment row and orders.payment_status', async () => {
    const order = (
      await shop.call('POST', '/api/orders', {
        customerId,
        items: [{ productId: pen, quantity: 1 }],
      })
    ).body;
    const paid = await shop.call('POST', '/api/payments/callback', {
      orderId: order.id,
      status: 'paid',
      reference: 'PSP-42',
    });
    expect(paid).toEqual({ status: 200, body: { orderId: order.id, paymentStatus: 'paid' } });
    expect((await shop.call('GET', `/api/orders/${order.id}`)).body.paymentStatus).toBe('paid');
    expect(await shop.db.knex('payments').where({ order_id: order.id }).first()).toMatchObject({
      status: 'paid',
      reference: 'PSP-42',
    });
    const contradicting = await shop.call('POST', '/api/payments/callback', {
      orderId: order.id,
      status: 'failed',
      reference: 'PSP-43',
    });
    expect(contradicting.status).toBe(409);
    const badStatus = await shop.call('POST', '/api/payments/callback', {
      orderId: order.id,
      status: 'maybe',
      reference: 'x',
    });
    expect(badStatus).toMatchObject({ status: 400, body: { details: { field: 'status' } } });
    expect(
      (
        await shop.call('POST', '/api/payments/callback', {
          orderId: 999999,
          status: 'paid',
          reference: 'x',
        })
      ).status,
    ).toBe(404);
  });

  it('answers /health and 404 for unknown routes', async () => {
    expect(await shop.call('GET', '/health')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await shop.call('GET', '/api/nope')).toMatchObject({
      status: 404,
      body: { error: 'not_found' },
    });
  });
});
