/**
 * Reads and validates `POST /api/payments/callback` bodies. The limits of the `payments` table
 * (migrations/legacy/0002) are named here, once: `LIMITS`.
 */
import { ValidationError } from '../../shop-shared/http-errors.ts';
import {
  ID,
  readInteger,
  readString,
  rejectUnknownFields,
  requireBody,
} from '../../shop-shared/validate.ts';
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
