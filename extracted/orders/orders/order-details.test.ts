import { assembleOrderDetails } from './order-details.ts';

const order = {
  id: '12',
  customer_id: '3',
  status: 'placed',
  payment_status: 'pending',
  total: '25.98',
  created_at: new Date('2025-05-01T08:00:00.000Z'),
  updated_at: new Date('2025-05-01T08:00:01.500Z'),
};

describe('assembleOrderDetails', () => {
  it('builds the contract Order from local rows: names from the replicas, prices from the lines', () => {
    const details = assembleOrderDetails(
      order,
      [
        { id: '31', product_id: '8', quantity: 1, unit_price: '5.00' },
        { id: '30', product_id: '7', quantity: 2, unit_price: '10.49' },
      ],
      new Map([[3, 'Ada']]),
      new Map([
        [7, 'Lamp'],
        [8, 'Bulb'],
      ]),
    );
    expect(JSON.parse(JSON.stringify(details))).toEqual({
      id: 12,
      customerId: 3,
      customerName: 'Ada',
      status: 'placed',
      paymentStatus: 'pending',
      total: 25.98,
      createdAt: '2025-05-01T08:00:00.000Z',
      updatedAt: '2025-05-01T08:00:01.500Z',
      items: [
        { id: 30, productId: 7, productName: 'Lamp', quantity: 2, unitPrice: 10.49 },
        { id: 31, productId: 8, productName: 'Bulb', quantity: 1, unitPrice: 5 },
      ],
    });
  });

  it('answers null names for replicas that have not caught up, instead of hiding the order', () => {
    const details = assembleOrderDetails(
      order,
      [{ id: 1, product_id: 9, quantity: 1, unit_price: '1.00' }],
      new Map(),
      new Map(),
    );
    expect(details.customerName).toBeNull();
    expect(details.items[0].productName).toBeNull();
  });
});
