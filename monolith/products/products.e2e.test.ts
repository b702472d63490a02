import {
  startTestMonolith,
  type TestMonolith,
} from '../../test-support/shop/start-test-monolith.ts';

let shop: TestMonolith;
beforeAll(async () => {
  shop = await startTestMonolith();
});
afterAll(() => shop.close());

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('products over HTTP', () => {
  it('creates, reads, updates and deletes a product, with its stock row', async () => {
    const created = await shop.call('POST', '/api/products', {
      sku: 'PEN-1',
      name: 'Pen',
      price: 12.5,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      sku: 'PEN-1',
      name: 'Pen',
      description: null,
      price: 12.5,
      active: true,
    });
    expect(created.body.createdAt).toMatch(ISO_MS);
    const id = created.body.id;

    expect((await shop.call('GET', `/api/products/${id}`)).body).toEqual(created.body);
    expect((await shop.call('GET', `/api/inventory/${id}`)).body).toMatchObject({
      productId: id,
      quantity: 0,
      reserved: 0,
    });

    const updated = await shop.call('PUT', `/api/products/${id}`, {
      price: 9.99,
      description: 'blue ink',
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id, price: 9.99, description: 'blue ink', name: 'Pen' });
    const row = await shop.db.knex('products').where({ id }).first();
    expect(row.price).toBe('9.99');

    expect((await shop.call('DELETE', `/api/products/${id}`)).status).toBe(204);
    expect((await shop.call('GET', `/api/products/${id}`)).body).toMatchObject({
      error: 'not_found',
    });
    expect(await shop.db.knex('inventory').where({ product_id: id }).first()).toBeUndefined();
  });

  it('answers 409 for a duplicate SKU, and 404 for unknown ids', async () => {
    await shop.call('POST', '/api/products', { sku: 'DUP', name: 'A', price: 1 });
    const dup = await shop.call('POST', '/api/products', { sku: 'DUP', name: 'B', price: 2 });
    expect(dup).toMatchObject({
      status: 409,
      body: { error: 'conflict', details: { field: 'sku' } },
    });
    expect((await shop.call('PUT', '/api/products/999999', { name: 'x' })).status).toBe(404);
    expect((await shop.call('DELETE', '/api/products/999999')).status).toBe(404);
  });

  it('lists by id with pagination and the active filter', async () => {
    for (let i = 0; i < 5; i++)
      await shop.call('POST', '/api/products', {
        sku: `LIST-${i}`,
        name: `L${i}`,
        price: 1,
        active: i !== 2,
      });
    const total = Number((await shop.db.knex('products').count({ n: '*' }))[0].n);
    const inactive = Number(
      (await shop.db.knex('products').where({ active: false }).count({ n: '*' }))[0].n,
    );
    const page = await shop.call('GET', '/api/products?page=2&pageSize=2');
    expect(page.body).toMatchObject({ page: 2, pageSize: 2, total });
    const ids = (await shop.db.knex('products').select('id').orderBy('id').offset(2).limit(2)).map(
      (r) => Number(r.id),
    );
    expect(page.body.items.map((p: { id: number }) => p.id)).toEqual(ids);
    const active = await shop.call('GET', '/api/products?active=true&pageSize=200');
    expect(active.body.total).toBe(total - inactive);
    expect(active.body.items.every((p: { active: boolean }) => p.active)).toBe(true);
  });

  it('answers 400 naming the field for bad input', async () => {
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/products', { name: 'x', price: 1 }, 'sku'],
      ['POST', '/api/products', { sku: 'X1', name: 'x', price: -1 }, 'price'],
      ['POST', '/api/products', { sku: 'X1', name: 'x', price: '1' }, 'price'],
      // issue 15: PostgreSQL's text cannot hold NUL; this was a 500
      ['POST', '/api/products', { sku: 'X1', name: 'Pen\u0000', price: 1 }, 'name'],
      ['POST', '/api/products', { sku: 'X1', name: 'x', price: 10_000_000_000 }, 'price'],
      ['POST', '/api/products', '{not json', 'body'],
      ['PUT', '/api/products/abc', { name: 'x' }, 'id'],
      ['GET', '/api/products?pageSize=500', undefined, 'pageSize'],
      ['GET', '/api/products?active=yes', undefined, 'active'],
    ];
    for (const [method, path, body, field] of cases) {
      const answer = await shop.call(method, path, body);
      expect({
        path,
        status: answer.status,
        error: answer.body.error,
        field: answer.body.details?.field,
      }).toEqual({
        path,
        status: 400,
        error: 'validation_failed',
        field,
      });
    }
  });
});
