/**
 * The catalog against the monolith, over real HTTP: the same logical data lives in a legacy test
 * DB (monolith) and, copied through the plan's mapping as the forward sync does, in a catalog
 * test DB (catalog, connected as its own role `catalog`). Every product route must answer the
 * same status and JSON on both sides.
 */
import { createLogger } from '../../../lib/logger.ts';
import { expectSameAnswers } from '../../../test-support/shop/same-answers.ts';
import { seedLegacy } from '../../../test-support/shop/shop-fixture.ts';
import {
  startServiceOnCopy,
  type TestServiceOnCopy,
} from '../../../test-support/shop/start-service-on-copy.ts';
import {
  startTestMonolith,
  type TestMonolith,
} from '../../../test-support/shop/start-test-monolith.ts';
import { startTestOrders } from '../../../test-support/shop/start-test-orders.ts';
import { createCatalogApp } from '../app.ts';
import { httpOrderHistory } from './order-history.ts';

let shop: TestMonolith;
let catalog: TestServiceOnCopy;
let orders: TestServiceOnCopy;

beforeAll(async () => {
  shop = await startTestMonolith();
  await seedLegacy(shop.db.knex);
  // The catalog asks the orders service before deleting a product; both on copies of the data.
  orders = await startTestOrders(shop);
  catalog = await startServiceOnCopy(shop, 'catalog', (db) =>
    createCatalogApp({
      db,
      orderHistory: httpOrderHistory(orders.baseUrl),
      logger: createLogger('test', () => {}),
    }),
  );
});

afterAll(async () => {
  await Promise.all([catalog?.close(), orders?.close()]);
  await shop?.close();
});

const same = (method: string, path: string, body?: unknown, ignore?: string[]) =>
  expectSameAnswers(shop, catalog, method, path, body, ignore);

describe('catalog answers like the monolith', () => {
  it('GET /health', async () => {
    const [legacy] = await same('GET', '/health');
    expect(legacy.body).toEqual({ status: 'ok' });
  });

  it('lists products with pagination and the active filter', async () => {
    const [all] = await same('GET', '/api/products');
    expect(all.body.total).toBe(4);
    expect(all.body.items.map((p: { price: number }) => p.price)).toEqual([
      49.99, 0.1, 12.5, 1234567.89,
    ]);
    const [active] = await same('GET', '/api/products?active=true&page=2&pageSize=2');
    expect(active.body).toMatchObject({ page: 2, pageSize: 2, total: 3 });
    expect(active.body.items.map((p: { id: number }) => p.id)).toEqual([4]);
    await same('GET', '/api/products?active=false');
    await same('GET', '/api/products?page=9');
  });

  it('gets one product: name from title, price from cents, timestamps to the millisecond', async () => {
    const [legacy] = await same('GET', '/api/products/1');
    expect(legacy.body).toEqual({
      id: 1,
      sku: 'LAMP-1',
      name: 'Desk Lamp',
      description: 'warm light',
      price: 49.99,
      active: true,
      createdAt: '2025-05-01T08:03:00.126Z',
      updatedAt: '2025-05-01T08:04:00.127Z',
    });
    expect(await catalog.knex('products').where({ id: 1 }).first()).toMatchObject({
      title: 'Desk Lamp',
      price_cents: '4999', // bigint, as node-postgres returns it
    });
  });

  it('refuses bad requests with the same codes and messages', async () => {
    const [missing] = await same('GET', '/api/products/999');
    expect(missing.status).toBe(404);
    expect((await same('GET', '/api/products/abc'))[0].status).toBe(400);
    expect((await same('GET', '/api/products?pageSize=500'))[0].status).toBe(400);
    expect((await same('GET', '/api/products?active=yes'))[0].status).toBe(400);
    const bodies = [
      { name: 'x', price: 1 },
      { sku: 'X1', name: 'x', price: 1.234 },
      { sku: 'X1', name: 'x', price: '1' },
      '{not json',
      { sku: 'X1', name: 'x', price: 1, colour: 'red' },
      // issue 15: NUL in a product name was a 500 on both sides
      { sku: 'X1', name: 'Lamp\u0000', price: 1 },
    ];
    for (const body of bodies)
      expect((await same('POST', '/api/products', body))[0].status).toBe(400);
    expect(
      (await same('POST', '/api/products', { sku: 'LAMP-1', name: 'again', price: 1 }))[0].status,
    ).toBe(409);
    expect((await same('PUT', '/api/products/1', {}))[0].status).toBe(400);
    expect((await same('PUT', '/api/products/1', { sku: 'BULB-2' }))[0].status).toBe(409);
    expect((await same('PUT', '/api/products/999', { name: 'x' }))[0].status).toBe(404);
    expect((await same('DELETE', '/api/products/999'))[0].status).toBe(404);
    expect((await same('GET', '/api/nothing-here'))[0].status).toBe(404);
  });

  it('keeps a price of 30,000,000 as the monolith does, and refuses past numeric(12,2) naming the field (issue 15: a 500)', async () => {
    const [kept] = await same(
      'POST',
      '/api/products',
      { sku: 'DEAR-1', name: 'x', price: 30_000_000 },
      ['id', 'createdAt', 'updatedAt'],
    );
    expect(kept).toMatchObject({ status: 201, body: { price: 30_000_000 } });
    const [refused] = await same('POST', '/api/products', {
      sku: 'DEAR-2',
      name: 'x',
      price: 10_000_000_000,
    });
    expect(refused).toMatchObject({
      status: 400,
      body: { error: 'validation_failed', details: { field: 'price' } },
    });
  });

  it('creates and updates products, storing cents and the derived search text', async () => {
    const [created] = await same(
      'POST',
      '/api/products',
      { sku: 'Desk-5', name: 'Tall Desk', price: 199.95, description: 'oak' },
      ['createdAt', 'updatedAt'],
    );
    expect(created.status).toBe(201);
    // Ids agree because both id sequences stand past the same legacy rows (a refused insert
    // above used one number up on both sides alike).
    const id = created.body.id;
    expect(id).toBeGreaterThan(4);
    expect(created.body).toMatchObject({ name: 'Tall Desk', price: 199.95, active: true });
    const [updated] = await same(
      'PUT',
      `/api/products/${id}`,
      { name: 'Standing Desk', price: 0.07, active: false },
      ['createdAt', 'updatedAt'],
    );
    expect(updated.body).toMatchObject({
      id,
      sku: 'Desk-5',
      name: 'Standing Desk',
      price: 0.07,
      active: false,
    });
    expect(await catalog.knex('products').where({ id }).first()).toMatchObject({
      title: 'Standing Desk',
      price_cents: '7',
      search_text: 'standing desk desk-5',
    });
    await same('PUT', `/api/products/${id}`, { description: null }, ['createdAt', 'updatedAt']);
  });

  it('refuses to delete an ordered product (asking the orders service) and deletes one never ordered', async () => {
    const [ordered] = await same('DELETE', '/api/products/1');
    expect(ordered.status).toBe(409);
    expect(await orders.call('GET', '/internal/products/1/ordered')).toEqual({
      status: 200,
      body: { productId: 1, ordered: true },
    });
    const [deleted] = await same('DELETE', '/api/products/4');
    expect(deleted.status).toBe(204);
    expect(await catalog.knex('products').where({ id: 4 }).first()).toBeUndefined();
    expect((await same('GET', '/api/products/4'))[0].status).toBe(404);
  });
});

describe('the drill defect', () => {
  afterEach(() => catalog.call('POST', '/__ficus/defect', { enabled: false }));

  it('is off by default, makes prices one cent wrong while on, and validates the toggle', async () => {
    expect(await catalog.call('GET', '/__ficus/defect')).toEqual({
      status: 200,
      body: { enabled: false },
    });
    expect(await catalog.call('POST', '/__ficus/defect', { enabled: true })).toEqual({
      status: 200,
      body: { enabled: true },
    });
    const legacy = await shop.call('GET', '/api/products/2');
    const wrong = await catalog.call('GET', '/api/products/2');
    expect(wrong.body.price).toBe(0.11);
    expect({ ...wrong.body, price: legacy.body.price }).toEqual(legacy.body);
    expect((await catalog.call('GET', '/api/products?pageSize=1')).body.items[0].price).toBe(50);
    expect((await catalog.call('POST', '/__ficus/defect', { enabled: 'yes' })).body).toMatchObject({
      error: 'validation_failed',
      details: { field: 'enabled' },
    });
    await catalog.call('POST', '/__ficus/defect', { enabled: false });
    await same('GET', '/api/products/2');
  });
});
