import { Router } from 'express';
import { ValidationError } from '../../shop-shared/http-errors.ts';
import {
  parseId,
  readInteger,
  readString,
  rejectUnknownFields,
  requireBody,
} from '../../shop-shared/validate.ts';
import type { Adjustment, InventoryService } from './inventory-service.ts';

export function readAdjustment(raw: unknown): Adjustment {
  const body = requireBody(raw);
  rejectUnknownFields(body, ['delta', 'reason']);
  const delta = readInteger(body, 'delta', { min: -1_000_000, max: 1_000_000 });
  if (delta === 0) throw new ValidationError('delta', 'must not be zero');
  return { delta, reason: readString(body, 'reason', { maxLength: 200 }) };
}

export function inventoryRoutes(service: InventoryService): Router {
  const router = Router();
  router.get('/:productId', async (req, res) => {
    res.json(await service.get(parseId(req.params.productId, 'productId')));
  });
  router.post('/:productId/adjust', async (req, res) => {
    const productId = parseId(req.params.productId, 'productId');
    res.json(await service.adjust(productId, readAdjustment(req.body)));
  });
  return router;
}
