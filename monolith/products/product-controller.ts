import { Router } from 'express';
import { parsePageRequest } from '../../shop-shared/pagination.ts';
import { parseId, parseQueryBoolean } from '../../shop-shared/validate.ts';
import { readNewProduct, readProductPatch } from './product-input.ts';
import type { ProductService } from './product-service.ts';

export function productRoutes(service: ProductService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    res.json(
      await service.list(
        { active: parseQueryBoolean(query.active, 'active') },
        parsePageRequest(query),
      ),
    );
  });
  router.get('/:id', async (req, res) => {
    res.json(await service.get(parseId(req.params.id, 'id')));
  });
  router.post('/', async (req, res) => {
    res.status(201).json(await service.create(readNewProduct(req.body)));
  });
  router.put('/:id', async (req, res) => {
    const id = parseId(req.params.id, 'id');
    res.json(await service.update(id, readProductPatch(req.body)));
  });
  router.delete('/:id', async (req, res) => {
    await service.delete(parseId(req.params.id, 'id'));
    res.status(204).end();
  });
  return router;
}
