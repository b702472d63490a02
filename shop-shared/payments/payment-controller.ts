import { Router } from 'express';
import { readPaymentCallback } from './payment-input.ts';
import type { PaymentService } from './payment-service.ts';

export function paymentRoutes(service: PaymentService): Router {
  const router = Router();
  router.post('/callback', async (req, res) => {
    res.json(await service.settle(readPaymentCallback(req.body)));
  });
  return router;
}
