/**
 * Reads and validates `POST /api/payments/callback` bodies. The orders service's own copy of the
 * monolith's reader (monolith/payments/payment-input.ts): the same rules and messages, as the
 * contract (docs/api.md) says; meant to diverge once the monolith is gone. The limits of the
 * service's `payments` table (migrations/orders/0002) are named here, once: `LIMITS`.
 */
import { ValidationError } from '../../shared/http-errors.ts';
import {
  ID,
  readInteger,
  readString,
  rejectUnknownFields,
  requireBody,
} from '../../../shop-shared/validate.ts';
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
