import { Router } from 'express';
import { parsePageRequest } from '../../shop-shared/pagination.ts';
import { parseId } from '../../shop-shared/validate.ts';
import { readCustomerPatch, readNewCustomer } from './customer-input.ts';
import type { CustomerService } from './customer-service.ts';

export function customerRoutes(service: CustomerService): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    res.json(await service.list(parsePageRequest(req.query as Record<string, unknown>)));
  });
  router.get('/:id', async (req, res) => {
    res.json(await service.get(parseId(req.params.id, 'id')));
  });
  router.post('/', async (req, res) => {
    res.status(201).json(await service.create(readNewCustomer(req.body)));
  });
  router.put('/:id', async (req, res) => {
    const id = parseId(req.params.id, 'id');
    res.json(await service.update(id, readCustomerPatch(req.body)));
  });
  router.delete('/:id', async (req, res) => {
    await service.delete(parseId(req.params.id, 'id'));
    res.status(204).end();
  });
  return router;
}
