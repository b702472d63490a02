import { ConflictError, NotFoundError, ValidationError } from '../../shop-shared/http-errors.ts';
import { createFakeProductService } from './create-product-service.ts';
import { readNewProduct, readProductPatch } from './product-input.ts';

const pen = { sku: 'PEN-1', name: 'Pen', description: null, price: 1.5, active: true };

describe('ProductService', () => {
  it('creates a product together with an empty stock row', async () => {
    const { service, stores } = createFakeProductService();
    const created = await service.create(pen);
    expect(created).toMatchObject({ id: 1, ...pen });
    expect(stores.inventory.rows.get(created.id)).toMatchObject({ quantity: 0, reserved: 0 });
  });

  it('refuses a duplicate SKU with 409', async () => {
    const { service } = createFakeProductService();
    await service.create(pen);
    await expect(service.create({ ...pen, name: 'Other' })).rejects.toThrow(ConflictError);
  });

  it('filters by active and pages', async () => {
    const { service } = createFakeProductService();
    for (let i = 0; i < 5; i++) await service.create({ ...pen, sku: `S${i}`, active: i % 2 === 0 });
    const page = await service.list({ active: true }, { page: 1, pageSize: 2 });
    expect(page.total).toBe(3);
    expect(page.items.map((p) => p.sku)).toEqual(['S0', 'S2']);
  });

  it('refuses to delete an ordered product, and deletes an unordered one with its stock', async () => {
    const { service, stores } = createFakeProductService();
    const a = await service.create(pen);
    const b = await service.create({ ...pen, sku: 'PEN-2' });
    stores.products.orderedIds.add(a.id);
    await expect(service.delete(a.id)).rejects.toThrow(ConflictError);
    await service.delete(b.id);
    expect(stores.products.rows.has(b.id)).toBe(false);
    expect(stores.inventory.rows.has(b.id)).toBe(false);
    await expect(service.delete(b.id)).rejects.toThrow(NotFoundError);
  });
});

describe('product input', () => {
  it('names the bad field', () => {
    expect(() => readNewProduct({ sku: 'A', name: 'B', price: 1.234 })).toThrow(
      'price: must have at most two decimals',
    );
    expect(() => readNewProduct({ sku: 'A b', name: 'B', price: 1 })).toThrow(/^sku:/);
    expect(() => readNewProduct({ sku: 'A', price: 1 })).toThrow('name: is required');
    expect(() => readProductPatch({})).toThrow(ValidationError);
    expect(readProductPatch({ price: 2, description: null })).toEqual({
      price: 2,
      description: null,
    });
  });
});
