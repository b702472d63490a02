import { ValidationError } from '../http-errors.ts';
import { readPlaceOrder } from './order-input.ts';

const fieldOf = (body: unknown) => {
  try {
    readPlaceOrder(body);
  } catch (error) {
    if (error instanceof ValidationError) return error.details?.field;
    throw error;
  }
  return undefined;
};

describe('readPlaceOrder', () => {
  it('reads a valid order and defaults the payment method to card', () => {
    expect(readPlaceOrder({ customerId: 1, items: [{ productId: 2, quantity: 3 }] })).toEqual({
      customerId: 1,
      items: [{ productId: 2, quantity: 3 }],
      paymentMethod: 'card',
    });
  });

  it.each([
    [{ items: [{ productId: 1, quantity: 1 }] }, 'customerId'],
    [{ customerId: '1', items: [{ productId: 1, quantity: 1 }] }, 'customerId'],
    [{ customerId: 1, items: [] }, 'items'],
    [{ customerId: 1, items: 'pen' }, 'items'],
    [
      {
        customerId: 1,
        items: [
          { productId: 1, quantity: 1 },
          { productId: 2, quantity: 0 },
        ],
      },
      'items[1].quantity',
    ],
    [{ customerId: 1, items: [{ quantity: 1 }] }, 'items[0].productId'],
    [
      { customerId: 1, items: [{ productId: 1, quantity: 1 }], paymentMethod: 'gold' },
      'paymentMethod',
    ],
    [{ customerId: 1, items: [{ productId: 1, quantity: 1 }], coupon: 'X' }, 'coupon'],
    [[1, 2], 'body'],
  ])('rejects %j naming the field %s', (body, field) => {
    expect(fieldOf(body)).toBe(field);
  });
});
