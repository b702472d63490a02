/** Reads and validates `POST /api/payments/callback` bodies. */
import { ValidationError } from '../../shop-shared/http-errors.ts';
import {
  readInteger,
  readString,
  rejectUnknownFields,
  requireBody,
} from '../../shop-shared/validate.ts';
import type { PaymentCallback } from './payment-types.ts';

export function readPaymentCallback(raw: unknown): PaymentCallback {
  const body = requireBody(raw);
  rejectUnknownFields(body, ['orderId', 'status', 'reference']);
  const orderId = readInteger(body, 'orderId', { min: 1, max: Number.MAX_SAFE_INTEGER });
  const status = body.status;
  if (status !== 'paid' && status !== 'failed')
    throw new ValidationError('status', 'must be "paid" or "failed"');
  return { orderId, status, reference: readString(body, 'reference', { maxLength: 100 }) };
}
