/**
 * For the shop's property tests: the request bodies of the contract (docs/api.md) as fast-check
 * arbitraries, each field plausible or hostile (bodyOf), over the ids of shop-fixture.ts. The
 * monolith and the services take the same bodies, so their tests share these.
 */
import fc from 'fast-check';
import { bodyOf, hostileValue } from './hostile-input.ts';
import { EXTREMES } from './shop-fixture.ts';

export const productBody = bodyOf({
  sku: fc.stringMatching(/^[A-Z][A-Z0-9._-]{0,20}$/),
  name: fc.string({ minLength: 1, maxLength: 40 }),
  description: fc.option(fc.string({ maxLength: 40 })),
  // every price the contract allows (numeric(12,2)), in cents so it has two decimals at most
  price: fc.integer({ min: 0, max: 999_999_999_999 }).map((cents) => cents / 100),
  active: fc.boolean(),
});

export const customerBody = bodyOf({
  name: fc.string({ minLength: 1, maxLength: 40 }),
  email: fc.emailAddress(),
  phone: fc.option(fc.stringMatching(/^\+?[0-9 ]{3,20}$/)),
  address: fc.option(fc.string({ maxLength: 40 })),
});

/** The fixture's products that are for sale, the dearest and the fullest among them. */
export const productIdForSale = fc.constantFrom(
  1,
  2,
  4,
  EXTREMES.dearProductId,
  EXTREMES.fullStockProductId,
);

const line = { productId: productIdForSale, quantity: fc.integer({ min: 1, max: 1000 }) };

export const orderBody = bodyOf({
  customerId: fc.constantFrom(1, 2),
  items: fc.oneof(
    fc.array(fc.record(line), { minLength: 1, maxLength: 3 }),
    fc.array(fc.oneof(bodyOf(line), hostileValue), { minLength: 1, maxLength: 3 }),
  ),
  paymentMethod: fc.constantFrom('card', 'paypal', 'invoice'),
});

/** For the fixture's order 1. */
export const paymentCallbackBody = bodyOf({
  orderId: fc.constant(1),
  status: fc.constantFrom('paid', 'failed'),
  reference: fc.string({ minLength: 1, maxLength: 40 }),
});

export const adjustmentBody = bodyOf({
  delta: fc.integer({ min: -1_000_000, max: 1_000_000 }),
  reason: fc.string({ minLength: 1, maxLength: 40 }),
});
