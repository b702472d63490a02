import { toProductJson } from './product-json.ts';
import { createFakeProductService } from './create-product-service.ts';
import type { Product } from './product-types.ts';

const at = new Date('2025-03-01T10:00:00.123Z');
const lamp: Product = {
  id: 7,
  sku: 'LAMP-7',
  title: 'Desk lamp',
  description: 'warm light',
  priceCents: 4999,
  active: true,
  createdAt: at,
  updatedAt: at,
};

describe('ProductService (fake store)', () => {
  it('answers a product in the monolith shape: title as name, cents as a price', async () => {
    const { service, products } = createFakeProductService();
    products.seed(lamp);
    expect(toProductJson(await service.get(7))).toEqual({
      id: 7,
      sku: 'LAMP-7',
      name: 'Desk lamp',
      description: 'warm light',
      price: 49.99,
      active: true,
      createdAt: '2025-03-01T10:00:00.123Z',
      updatedAt: '2025-03-01T10:00:00.123Z',
    });
  });

  it('lists by id with pagination and the active filter', async () => {
    const { service, products } = createFakeProductService();
    for (const id of [3, 1, 2, 4]) products.seed({ ...lamp, id, sku: `S-${id}`, active: id !== 2 });
    const page = await service.list({ active: true }, { page: 2, pageSize: 2 });
    expect(page).toMatchObject({ page: 2, pageSize: 2, total: 3 });
    expect(page.items.map((p) => p.id)).toEqual([4]);
    expect((await service.list({}, { page: 1, pageSize: 50 })).items.map((p) => p.id)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('answers 404 for a missing product on get, update and delete', async () => {
    const { service } = createFakeProductService();
    await expect(service.get(9)).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'product 9 not found',
    });
    await expect(service.update(9, { title: 'x' })).rejects.toMatchObject({ status: 404 });
    await expect(service.delete(9)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses a duplicate SKU with 409', async () => {
    const { service, products } = createFakeProductService();
    products.seed(lamp);
    await expect(
      service.create({ sku: 'LAMP-7', title: 'x', description: null, priceCents: 1, active: true }),
    ).rejects.toMatchObject({
      status: 409,
      code: 'conflict',
    });
  });

  it('refuses to delete an ordered product and deletes one never ordered', async () => {
    const { service, products } = createFakeProductService({ orderedIds: [7] });
    products.seed(lamp);
    products.seed({ ...lamp, id: 8, sku: 'LAMP-8' });
    await expect(service.delete(7)).rejects.toMatchObject({
      status: 409,
      details: { productId: 7 },
    });
    await service.delete(8);
    expect([...products.rows.keys()]).toEqual([7]);
  });

  it('creates new products after the highest synced id', async () => {
    const { service, products } = createFakeProductService();
    products.seed(lamp);
    const created = await service.create({
      sku: 'NEW',
      title: 'New',
      description: null,
      priceCents: 1,
      active: false,
    });
    expect(created.id).toBe(8);
  });
});
