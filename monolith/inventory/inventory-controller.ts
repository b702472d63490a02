import { Router } from 'express';
import { parseId } from '../../shop-shared/validate.ts';
import { readAdjustment } from './inventory-input.ts';
import type { InventoryService } from './inventory-service.ts';

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
