import { ConflictError, NotFoundError, ValidationError } from '../../shop-shared/http-errors.ts';
import { createFakeOrderService } from './create-order-service.ts';

async function shopWithStock() {
  const fake = createFakeOrderService();
  const { customers, products, inventory } = fake.stores;
  const alice = await customers.create({
    name: 'Alice',
    email: 'alice@example.com',
    phone: null,
    address: null,
  });
  const pen = await products.create({
    sku: 'PEN',
    name: 'Pen',
    description: null,
    price: 1.1,
    active: true,
  });
  const ink = await products.create({
    sku: 'INK',
    name: 'Ink',
    description: null,
    price: 2.25,
    active: true,
  });
  const old = await products.create({
    sku: 'OLD',
    name: 'Old',
    description: null,
    price: 5,
    active: false,
  });
  await inventory.save(pen.id, { quantity: 10, reserved: 2 });
  await inventory.save(ink.id, { quantity: 3, reserved: 0 });
  await inventory.save(old.id, { quantity: 100, reserved: 0 });
  return { ...fake, alice, pen, ink, old };
}

describe('OrderService.place', () => {
  it('refuses an order whose total its numeric(12,2) column cannot hold, writing nothing', async () => {
    const { service, stores, alice } = await shopWithStock();
    const dear = await stores.products.create({
      sku: 'DEAR',
      name: 'Dear',
      description: null,
      price: 9_999_999_999.99,
      active: true,
    });
    await stores.inventory.save(dear.id, { quantity: 5, reserved: 0 });
    const place = service.place({
      customerId: alice.id,
      items: [{ productId: dear.id, quantity: 2 }],
      paymentMethod: 'card',
    });
    await expect(place).rejects.toThrow(ValidationError);
    await expect(place).rejects.toThrow(/^items: would come to a total of 19999999999.98/);
    expect((await stores.inventory.get(dear.id))?.reserved).toBe(0);
  });

  it('reserves stock, writes the order with its lines and a pending payment, and answers it with names', async () => {
    const { service, stores, alice, pen, ink } = await shopWithStock();
    const order = await service.place({
      customerId: alice.id,
      items: [
        { productId: ink.id, quantity: 2 },
        { productId: pen.id, quantity: 3 },
      ],
      paymentMethod: 'card',
    });
    expect(order).toMatchObject({
      customerId: alice.id,
      customerName: 'Alice',
      status: 'placed',
      paymentStatus: 'pending',
      total: 7.8,
    });
    expect(order.items.map((i) => [i.productName, i.quantity, i.unitPrice])).toEqual([
      ['Ink', 2, 2.25],
      ['Pen', 3, 1.1],
    ]);
    expect(stores.inventory.rows.get(pen.id)).toMatchObject({ quantity: 10, reserved: 5 });
    expect(stores.inventory.rows.get(ink.id)).toMatchObject({ quantity: 3, reserved: 2 });
    expect([...stores.payments.rows.values()]).toEqual([
      { id: 1, orderId: order.id, amount: 7.8, method: 'card', status: 'pending', reference: null },
    ]);
  });

  it('locks stock rows once, in product id order, whatever the order of the lines', async () => {
    const { service, stores, alice, pen, ink } = await shopWithStock();
    await service.place({
      customerId: alice.id,
      items: [
        { productId: ink.id, quantity: 1 },
        { productId: pen.id, quantity: 1 },
        { productId: ink.id, quantity: 1 },
      ],
      paymentMethod: 'card',
    });
    expect(stores.inventory.locked).toEqual([[pen.id, ink.id].sort((a, b) => a - b)]);
    expect(stores.inventory.rows.get(ink.id)?.reserved).toBe(2);
  });

  it('refuses with 409 naming every short product when unreserved stock is not enough, and writes nothing', async () => {
    const { service, stores, alice, pen, ink } = await shopWithStock();
    const attempt = service.place({
      customerId: alice.id,
      items: [
        { productId: pen.id, quantity: 9 },
        { productId: ink.id, quantity: 4 },
      ],
      paymentMethod: 'card',
    });
    await expect(attempt).rejects.toThrow(ConflictError);
    await expect(attempt).rejects.toMatchObject({
      details: {
        shortages: [
          { productId: pen.id, requested: 9, available: 8 },
          { productId: ink.id, requested: 4, available: 3 },
        ],
      },
    });
    expect(stores.orders.rows.size).toBe(0);
    expect(stores.payments.rows.size).toBe(0);
    expect(stores.inventory.rows.get(pen.id)?.reserved).toBe(2);
  });

  it('refuses unknown customers and products with 404 and inactive products with 409', async () => {
    const { service, alice, pen, old } = await shopWithStock();
    const line = (productId: number) => ({
      customerId: alice.id,
      items: [{ productId, quantity: 1 }],
      paymentMethod: 'card',
    });
    await expect(service.place({ ...line(pen.id), customerId: 999 })).rejects.toThrow(
      NotFoundError,
    );
    await expect(service.place(line(999))).rejects.toThrow(/product 999 not found/);
    await expect(service.place(line(old.id))).rejects.toThrow(/inactive/);
  });
});

describe('OrderService.list and get', () => {
  it('pages orders of one customer without their lines', async () => {
    const { service, stores, alice, pen } = await shopWithStock();
    const bob = await stores.customers.create({
      name: 'Bob',
      email: 'bob@example.com',
      phone: null,
      address: null,
    });
    for (const customer of [alice, bob, alice, alice]) {
      await service.place({
        customerId: customer.id,
        items: [{ productId: pen.id, quantity: 1 }],
        paymentMethod: 'card',
      });
    }
    const page = await service.list({ customerId: alice.id }, { page: 2, pageSize: 2 });
    expect(page).toMatchObject({ page: 2, pageSize: 2, total: 3 });
    expect(page.items.map((o) => o.id)).toEqual([4]);
    expect(page.items[0]).not.toHaveProperty('items');
    await expect(service.get(42)).rejects.toThrow('order 42 not found');
  });
});
