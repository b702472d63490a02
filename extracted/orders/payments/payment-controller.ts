/**
 * `POST /api/payments/callback` of the orders service. Its own copy of the monolith's controller
 * (monolith/payments/payment-controller.ts): the same rules and messages, as the contract
 * (docs/api.md) says; meant to diverge once the monolith is gone.
 */
import { Router } from 'express';
import { ValidationError } from '../../shared/http-errors.ts';
import {
  readInteger,
  readString,
  rejectUnknownFields,
  requireBody,
} from '../../../shop-shared/validate.ts';
import type { PaymentService } from './payment-service.ts';
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

export function paymentRoutes(service: PaymentService): Router {
  const router = Router();
  router.post('/callback', async (req, res) => {
    res.json(await service.settle(readPaymentCallback(req.body)));
  });
  return router;
}
