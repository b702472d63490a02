import type { PaymentStatus } from '../orders/order-types.ts';

export type Payment = {
  id: number;
  orderId: number;
  amount: number;
  method: string;
  status: PaymentStatus;
  reference: string | null;
};

export type NewPayment = Omit<Payment, 'id' | 'reference'>;

/** What the payment provider reports back for an order. */
export type PaymentCallback = {
  orderId: number;
  status: Exclude<PaymentStatus, 'pending'>;
  reference: string;
};
