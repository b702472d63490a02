/** The order routes the plan gives the orders service, plus the catalog's internal question. */
import { Router } from 'express';
import { parseId } from '../../../shop-shared/validate.ts';
import { readPlaceOrder } from '../../../shop-shared/orders/order-input.ts';
import type { OrderService } from './order-service.ts';

export function orderRoutes(service: OrderService): Router {
  const router = Router();
  router.get('/:id', async (req, res) => {
    res.json(await service.get(parseId(req.params.id, 'id')));
  });
  router.post('/', async (req, res) => {
    res.status(201).json(await service.place(readPlaceOrder(req.body)));
  });
  return router;
}

/**
 * `GET /internal/products/:productId/ordered` → `{ productId, ordered }`: the catalog asks this
 * before deleting a product (order lines are the orders service's data). Not part of the shop's
 * public API, so the proxy never routes it.
 */
export function productOrderedRoutes(service: OrderService): Router {
  const router = Router();
  router.get('/internal/products/:productId/ordered', async (req, res) => {
    const productId = parseId(req.params.productId, 'productId');
    res.json({ productId, ordered: await service.isProductOrdered(productId) });
  });
  return router;
}
