/**
 * Reads and validates `POST /api/orders` bodies, for the monolith and the orders service alike:
 * the contract (docs/api.md) says how an order is refused, and the parallel run compares refusals
 * (extracted/orders/orders/orders.e2e.test.ts asks both).
 */
import { ValidationError } from '../http-errors.ts';
import {
  ID,
  NUMERIC_12_2,
  readInteger,
  readOptionalString,
  rejectUnknownFields,
  requireBody,
  type Body,
} from '../validate.ts';
import type { OrderLine, PlaceOrder } from './order-types.ts';

export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = 1000;
export const PAYMENT_METHODS = ['card', 'paypal', 'invoice', 'bank_transfer'] as const;

/**
 * What each field of an order may hold, and its total (`orders.total numeric(12,2)`, computed
 * from the lines at the prices of the day, so checked by checkOrderTotal once those are known).
 */
export const LIMITS = {
  customerId: ID,
  productId: ID,
  quantity: { min: 1, max: MAX_LINE_QUANTITY },
  paymentMethod: { maxLength: 40 },
  total: NUMERIC_12_2,
} as const;

/** Refuses an order whose total its column cannot hold, naming the lines that make it. */
export function checkOrderTotal(total: number): void {
  if (total > LIMITS.total.max)
    throw new ValidationError(
      'items',
      `would come to a total of ${total}, above the most an order can hold (${LIMITS.total.max})`,
    );
}

export function readPlaceOrder(raw: unknown): PlaceOrder {
  const body = requireBody(raw);
  rejectUnknownFields(body, ['customerId', 'items', 'paymentMethod']);
  const customerId = readInteger(body, 'customerId', LIMITS.customerId);
  const items = readOrderLines(body.items);
  const method = readOptionalString(body, 'paymentMethod', LIMITS.paymentMethod) ?? 'card';
  if (!(PAYMENT_METHODS as readonly string[]).includes(method)) {
    throw new ValidationError('paymentMethod', `must be one of ${PAYMENT_METHODS.join(', ')}`);
  }
  return { customerId, items, paymentMethod: method };
}

function readOrderLines(items: unknown): OrderLine[] {
  if (!Array.isArray(items))
    throw new ValidationError('items', 'must be an array of { productId, quantity }');
  if (items.length === 0) throw new ValidationError('items', 'must hold at least one line');
  if (items.length > MAX_ORDER_LINES)
    throw new ValidationError('items', `must hold at most ${MAX_ORDER_LINES} lines`);
  return items.map((item: unknown, i) => readOrderLine(item, `items[${i}]`));
}

function readOrderLine(item: unknown, label: string): OrderLine {
  if (item === null || typeof item !== 'object' || Array.isArray(item))
    throw new ValidationError(label, 'must be an object');
  const line = item as Body;
  rejectUnknownFields(line, ['productId', 'quantity']);
  return {
    productId: readInteger(line, 'productId', LIMITS.productId, `${label}.productId`),
    quantity: readInteger(line, 'quantity', LIMITS.quantity, `${label}.quantity`),
  };
}
