import { Router } from 'express';
import { parsePageRequest } from '../../shop-shared/pagination.ts';
import { parseId } from '../../shop-shared/validate.ts';
import { readPlaceOrder } from '../../shop-shared/orders/order-input.ts';
import { readOrderFilter } from './order-filter-input.ts';
import type { OrderService } from './order-service.ts';

export function orderRoutes(service: OrderService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    res.json(await service.list(readOrderFilter(query), parsePageRequest(query)));
  });
  router.get('/:id', async (req, res) => {
    res.json(await service.get(parseId(req.params.id, 'id')));
  });
  router.post('/', async (req, res) => {
    res.status(201).json(await service.place(readPlaceOrder(req.body)));
  });
  return router;
}
