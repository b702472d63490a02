/**
 * The product routes, in the monolith's shapes. `present` turns a catalog row into the
 * contract's Product; the app passes the plain one, or the drill's defect plugin wraps it.
 */
import { Router } from 'express';
import { parsePageRequest } from '../../../shop-shared/pagination.ts';
import { parseId, parseQueryBoolean } from '../../../shop-shared/validate.ts';
import { readCatalogProductChanges, readNewCatalogProduct } from './product-input.ts';
import type { ProductService } from './product-service.ts';
import type { Product, ProductJson } from './product-types.ts';

export type PresentProduct = (product: Product) => ProductJson;

export function productRoutes(service: ProductService, present: PresentProduct): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const query = req.query as Record<string, unknown>;
    const page = await service.list(
      { active: parseQueryBoolean(query.active, 'active') },
      parsePageRequest(query),
    );
    res.json({ ...page, items: page.items.map(present) });
  });
  router.get('/:id', async (req, res) => {
    res.json(present(await service.get(parseId(req.params.id, 'id'))));
  });
  router.post('/', async (req, res) => {
    res.status(201).json(present(await service.create(readNewCatalogProduct(req.body))));
  });
  router.put('/:id', async (req, res) => {
    const id = parseId(req.params.id, 'id');
    res.json(present(await service.update(id, readCatalogProductChanges(req.body))));
  });
  router.delete('/:id', async (req, res) => {
    await service.delete(parseId(req.params.id, 'id'));
    res.status(204).end();
  });
  return router;
}
