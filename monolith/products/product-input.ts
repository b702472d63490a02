/**
 * Reads and validates product bodies (POST creates, PUT patches), as the contract has them
 * (shop-shared/products/product-body.ts, which the catalog reads its bodies with too). The limits
 * of the `products` table (migrations/legacy/0001) are named here, once: `LIMITS`.
 */
import {
  PRODUCT_TEXT_LIMITS,
  readProductBody,
  readProductChanges,
} from '../../shop-shared/products/product-body.ts';
import { NUMERIC_12_2 } from '../../shop-shared/validate.ts';
import type { NewProduct, ProductPatch } from './product-types.ts';

/** What each field of a product may hold: the shop's rules within the columns' types. */
export const LIMITS = {
  ...PRODUCT_TEXT_LIMITS,
  /** `price numeric(12,2)` */
  price: NUMERIC_12_2,
} as const;

/** The table's columns are the contract's fields, so a body is a product as it is. */
export const readNewProduct = (raw: unknown): NewProduct => readProductBody(raw, LIMITS.price);

export const readProductPatch = (raw: unknown): ProductPatch =>
  readProductChanges(raw, LIMITS.price);
