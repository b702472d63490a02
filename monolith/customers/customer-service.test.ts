import { ConflictError } from '../../shop-shared/http-errors.ts';
import { createFakeCustomerService } from './create-customer-service.ts';
import { readCustomerPatch, readNewCustomer } from './customer-input.ts';

describe('CustomerService', () => {
  it('creates, updates and refuses a taken email', async () => {
    const { service } = createFakeCustomerService();
    const a = await service.create(readNewCustomer({ name: 'Ann', email: 'Ann@Example.com' }));
    expect(a).toMatchObject({ name: 'Ann', email: 'ann@example.com', phone: null, address: null });
    await service.create(readNewCustomer({ name: 'Ben', email: 'ben@example.com' }));
    await expect(service.update(a.id, { email: 'ben@example.com' })).rejects.toThrow(ConflictError);
    expect(await service.update(a.id, { phone: '+1 555 0100' })).toMatchObject({
      phone: '+1 555 0100',
      email: 'ann@example.com',
    });
  });

  it('refuses to delete a customer with orders', async () => {
    const { service, stores } = createFakeCustomerService();
    const a = await service.create({ name: 'Ann', email: 'a@x.io', phone: null, address: null });
    stores.customers.withOrders.add(a.id);
    await expect(service.delete(a.id)).rejects.toThrow(/has orders/);
  });

  it('validates email and phone', () => {
    expect(() => readNewCustomer({ name: 'A', email: 'nope' })).toThrow(
      'email: must be an email address',
    );
    expect(() => readCustomerPatch({ phone: 'call me' })).toThrow(/^phone:/);
  });
});
