import { readPlaceOrder } from '../../../shop-shared/orders/order-input.ts';
import { createFakeOrderService } from './create-order-service.ts';

function setUp() {
  const fake = createFakeOrderService();
  fake.stores.replicas.customers.set(1, { customerId: 1, name: 'Ada' });
  fake.stores.replicas.products.set(10, { productId: 10, name: 'Lamp', price: 19.99 });
  fake.stores.replicas.products.set(11, { productId: 11, name: 'Bulb', price: 0.1 });
  fake.shop.active.set(10, true).set(11, true);
  fake.shop.stock.set(10, { quantity: 5, reserved: 0 }).set(11, { quantity: 100, reserved: 90 });
  return fake;
}

const place = (body: unknown) => readPlaceOrder(body);

describe('OrderService.place (fakes)', () => {
  it('reserves stock through the shop API, then writes order, lines and a pending payment', async () => {
    const { service, shop, stores } = setUp();
    const order = await service.place(
      place({
        customerId: 1,
        items: [
          { productId: 11, quantity: 3 },
          { productId: 10, quantity: 2 },
        ],
      }),
    );
    expect(order).toMatchObject({
      customerId: 1,
      customerName: 'Ada',
      status: 'placed',
      paymentStatus: 'pending',
      total: 40.28,
    });
    expect(order.items.map((i) => [i.productName, i.quantity, i.unitPrice])).toEqual([
      ['Bulb', 3, 0.1],
      ['Lamp', 2, 19.99],
    ]);
    expect(shop.adjustments.map((a) => [a.productId, a.delta])).toEqual([
      [10, -2],
      [11, -3],
    ]);
    expect([...stores.payments.rows.values()]).toEqual([
      {
        id: 1,
        orderId: order.id,
        amount: 40.28,
        method: 'card',
        status: 'pending',
        reference: null,
      },
    ]);
  });

  it('keeps the unit price of the time of ordering when the snapshot price changes later', async () => {
    const { service, stores } = setUp();
    const order = await service.place(
      place({ customerId: 1, items: [{ productId: 10, quantity: 1 }] }),
    );
    stores.replicas.products.set(10, { productId: 10, name: 'Lamp (new)', price: 25 });
    const again = await service.get(order.id);
    expect(again.items[0]).toMatchObject({ productName: 'Lamp (new)', unitPrice: 19.99 });
    expect(again.total).toBe(19.99);
  });

  it('refuses a shortage like the monolith and gives back what it had reserved', async () => {
    const { service, shop, stores } = setUp();
    const attempt = service.place(
      place({
        customerId: 1,
        items: [
          { productId: 10, quantity: 2 },
          { productId: 11, quantity: 20 },
        ],
      }),
    );
    await expect(attempt).rejects.toMatchObject({
      status: 409,
      message: 'not enough stock for product 11 (requested 20, available 10)',
      details: { shortages: [{ productId: 11, requested: 20, available: 10 }] },
    });
    expect(shop.stock.get(10)).toEqual({ quantity: 5, reserved: 0 });
    expect(stores.orders.rows.size).toBe(0);
  });

  it('refuses an unknown customer, an unknown product and an inactive one, before reserving', async () => {
    const { service, shop } = setUp();
    await expect(
      service.place(place({ customerId: 2, items: [{ productId: 10, quantity: 1 }] })),
    ).rejects.toMatchObject({
      status: 404,
      message: 'customer 2 not found',
    });
    await expect(
      service.place(place({ customerId: 1, items: [{ productId: 99, quantity: 1 }] })),
    ).rejects.toMatchObject({
      status: 404,
      message: 'product 99 not found',
    });
    shop.active.set(11, false);
    await expect(
      service.place(place({ customerId: 1, items: [{ productId: 11, quantity: 1 }] })),
    ).rejects.toMatchObject({
      status: 409,
      message: 'product 11 is not for sale (inactive)',
    });
    expect(shop.adjustments).toEqual([]);
  });

  it('gives the stock back when the local write fails', async () => {
    const { service, shop, stores } = setUp();
    stores.payments.create = async () => {
      throw new Error('disk full');
    };
    await expect(
      service.place(place({ customerId: 1, items: [{ productId: 10, quantity: 4 }] })),
    ).rejects.toThrow('disk full');
    expect(shop.stock.get(10)).toEqual({ quantity: 5, reserved: 0 });
    expect(shop.adjustments.map((a) => a.delta)).toEqual([-4, 4]);
  });

  it('answers 404 for an unknown order and knows which products were ordered', async () => {
    const { service } = setUp();
    await expect(service.get(5)).rejects.toMatchObject({
      status: 404,
      message: 'order 5 not found',
    });
    await service.place(place({ customerId: 1, items: [{ productId: 10, quantity: 1 }] }));
    expect(await service.isProductOrdered(10)).toBe(true);
    expect(await service.isProductOrdered(11)).toBe(false);
  });
});
