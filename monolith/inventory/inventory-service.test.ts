import { ConflictError, NotFoundError } from '../../shop-shared/http-errors.ts';
import { createFakeInventoryService } from './create-inventory-service.ts';
import { readAdjustment } from './inventory-input.ts';

describe('InventoryService.adjust', () => {
  it('adds and removes stock', async () => {
    const { service, stores } = createFakeInventoryService();
    await stores.inventory.save(1, { quantity: 5, reserved: 1 });
    expect(await service.adjust(1, { delta: 10, reason: 'delivery' })).toMatchObject({
      quantity: 15,
      reserved: 1,
    });
    expect(await service.adjust(1, { delta: -14, reason: 'stock-take' })).toMatchObject({
      quantity: 1,
      reserved: 1,
    });
  });

  it('refuses to go below zero or below what is reserved, with 409', async () => {
    const { service, stores } = createFakeInventoryService();
    await stores.inventory.save(1, { quantity: 5, reserved: 3 });
    await expect(service.adjust(1, { delta: -6, reason: 'x' })).rejects.toThrow(/below zero/);
    await expect(service.adjust(1, { delta: -3, reason: 'x' })).rejects.toThrow(ConflictError);
    expect(stores.inventory.rows.get(1)?.quantity).toBe(5);
  });

  it('refuses to go above what the quantity column holds, with 409 naming delta', async () => {
    const { service, stores } = createFakeInventoryService();
    await stores.inventory.save(1, { quantity: 2 ** 31 - 2, reserved: 0 });
    await expect(service.adjust(1, { delta: 2, reason: 'x' })).rejects.toMatchObject({
      status: 409,
      details: { field: 'delta' },
    });
    expect(await service.adjust(1, { delta: 1, reason: 'x' })).toMatchObject({
      quantity: 2 ** 31 - 1,
    });
  });

  it('answers 404 for a product without stock row', async () => {
    const { service } = createFakeInventoryService();
    await expect(service.adjust(9, { delta: 1, reason: 'x' })).rejects.toThrow(NotFoundError);
    await expect(service.get(9)).rejects.toThrow(NotFoundError);
  });

  it('validates the adjustment body', () => {
    expect(() => readAdjustment({ delta: 0, reason: 'x' })).toThrow('delta: must not be zero');
    expect(() => readAdjustment({ delta: 1.5, reason: 'x' })).toThrow('delta: must be an integer');
    expect(() => readAdjustment({ delta: 1 })).toThrow('reason: is required');
  });
});
