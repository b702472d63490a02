import { ConflictError, NotFoundError } from '../http-errors.ts';
import { createFakePaymentService } from './create-payment-service.ts';

async function orderAwaitingPayment() {
  const fake = createFakePaymentService();
  const orderId = await fake.stores.orders.create({
    customerId: 1,
    status: 'placed',
    paymentStatus: 'pending',
    total: 10,
    items: [],
  });
  await fake.stores.payments.create({ orderId, amount: 10, method: 'card', status: 'pending' });
  return { ...fake, orderId };
}

describe('PaymentService.settle', () => {
  it('marks the payment and the order row as paid, with the reference', async () => {
    const { service, stores, orderId } = await orderAwaitingPayment();
    expect(await service.settle({ orderId, status: 'paid', reference: 'PSP-1' })).toEqual({
      orderId,
      paymentStatus: 'paid',
    });
    expect(stores.orders.rows.get(orderId)?.paymentStatus).toBe('paid');
    expect(stores.payments.rows.get(1)).toMatchObject({ status: 'paid', reference: 'PSP-1' });
  });

  it('answers a repeated callback the same way, and refuses a contradicting one', async () => {
    const { service, stores, orderId } = await orderAwaitingPayment();
    await service.settle({ orderId, status: 'failed', reference: 'PSP-2' });
    expect(await service.settle({ orderId, status: 'failed', reference: 'PSP-2' })).toEqual({
      orderId,
      paymentStatus: 'failed',
    });
    await expect(service.settle({ orderId, status: 'paid', reference: 'PSP-3' })).rejects.toThrow(
      ConflictError,
    );
    expect(stores.orders.rows.get(orderId)?.paymentStatus).toBe('failed');
  });

  it('answers 404 for an unknown order', async () => {
    const { service } = await orderAwaitingPayment();
    await expect(service.settle({ orderId: 77, status: 'paid', reference: 'x' })).rejects.toThrow(
      NotFoundError,
    );
  });
});
