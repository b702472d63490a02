/**
 * Reads and validates `POST /api/payments/callback` bodies, for the monolith and the orders
 * service alike (the contract, docs/api.md, says how a callback is refused). The limits of the
 * `payments` table (migrations/legacy/0002, and migrations/orders/0002 with the same columns) are
 * named here, once: `LIMITS`.
 */
import { ValidationError } from '../http-errors.ts';
import { ID, readInteger, readString, rejectUnknownFields, requireBody } from '../validate.ts';
import type { PaymentCallback } from './payment-types.ts';

export const LIMITS = { orderId: ID, reference: { maxLength: 100 } } as const;

export function readPaymentCallback(raw: unknown): PaymentCallback {
  const body = requireBody(raw);
  rejectUnknownFields(body, ['orderId', 'status', 'reference']);
  const orderId = readInteger(body, 'orderId', LIMITS.orderId);
  const status = body.status;
  if (status !== 'paid' && status !== 'failed')
    throw new ValidationError('status', 'must be "paid" or "failed"');
  return { orderId, status, reference: readString(body, 'reference', LIMITS.reference) };
}
