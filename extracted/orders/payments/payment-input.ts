/**
 * Reads and validates `POST /api/payments/callback` bodies. The orders service's own copy of the
 * monolith's reader (monolith/payments/payment-input.ts): the same rules and messages, as the
 * contract (docs/api.md) says; meant to diverge once the monolith is gone.
 */
import { ValidationError } from '../../shared/http-errors.ts';
import {
  readInteger,
  readString,
  rejectUnknownFields,
  requireBody,
} from '../../../shop-shared/validate.ts';
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
