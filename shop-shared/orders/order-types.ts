/**
 * The shop's order types both sides share: the contract's order request (docs/api.md) and the
 * rows of `orders`, which the monolith's legacy DB and the orders service's DB hold alike.
 */
export const ORDER_STATUS = { placed: 'placed' } as const;

/** Payment state of an order, mirrored on the order row by the payment callback. */
export type PaymentStatus = 'pending' | 'paid' | 'failed';

export type OrderLine = { productId: number; quantity: number };

export type PlaceOrder = { customerId: number; items: OrderLine[]; paymentMethod: string };

export type NewOrder = {
  customerId: number;
  status: string;
  paymentStatus: PaymentStatus;
  total: number;
  items: { productId: number; quantity: number; unitPrice: number }[];
};

/** The order row itself, as the payment callback needs it. */
export type OrderRow = {
  id: number;
  customerId: number;
  status: string;
  paymentStatus: string;
  total: number;
};
