/**
 * A deliberate defect for the rollout drill: while enabled, every product the catalog answers
 * with costs one cent more than it should, so the parallel run has a real difference to find
 * and the gated rollout has a reason to roll back. Off by default; switched by the env var
 * CATALOG_PRICE_DEFECT at start or at run time with
 *
 *   POST /__ficus/defect  { "enabled": true | false }   → { "enabled": ... }
 *   GET  /__ficus/defect                                → { "enabled": ... }
 *
 * It only wraps how a product is presented; the data in the database stays right.
 */
import { Router } from 'express';
import { readOptionalBoolean, requireBody } from '../../../shop-shared/validate.ts';
import { ValidationError } from '../../shared/http-errors.ts';
import type { PresentProduct } from '../products/product-controller.ts';

export const DEFECT_PATH = '/__ficus/defect';
const ONE_CENT = 0.01;

export type PriceDefect = {
  isEnabled(): boolean;
  setEnabled(enabled: boolean): void;
  /** `present` made wrong by one cent while the defect is on. */
  wrap(present: PresentProduct): PresentProduct;
  /** the admin toggle */
  routes(): Router;
};

export function createPriceDefect(options: { enabled?: boolean } = {}): PriceDefect {
  let enabled = options.enabled ?? false;
  return {
    isEnabled: () => enabled,
    setEnabled: (value) => {
      enabled = value;
    },
    wrap: (present) => (product) => {
      const json = present(product);
      return enabled ? { ...json, price: Math.round((json.price + ONE_CENT) * 100) / 100 } : json;
    },
    routes() {
      const router = Router();
      router.get(DEFECT_PATH, (_req, res) => {
        res.json({ enabled });
      });
      router.post(DEFECT_PATH, (req, res) => {
        const value = readOptionalBoolean(requireBody(req.body), 'enabled');
        if (value === undefined) throw new ValidationError('enabled', 'is required');
        enabled = value;
        res.json({ enabled });
      });
      return router;
    },
  };
}
