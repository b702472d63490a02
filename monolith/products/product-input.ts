/**
 * Reads and validates product bodies (POST creates, PUT patches). The limits of the `products`
 * table (migrations/legacy/0001) are named here, once: `LIMITS` (the text fields' are the
 * contract's, shared with the catalog: shop-shared/products/product-body.ts).
 */
import {
  PRODUCT_TEXT_LIMITS,
  readDescription,
  readProductName,
  readSku,
  requireProductBody,
  requireProductChanges,
} from '../../shop-shared/products/product-body.ts';
import {
  NUMERIC_12_2,
  readMoney,
  readOptionalBoolean,
  type Body,
} from '../../shop-shared/validate.ts';
import type { NewProduct, ProductPatch } from './product-types.ts';

/** What each field of a product may hold: the shop's rules within the columns' types. */
export const LIMITS = {
  ...PRODUCT_TEXT_LIMITS,
  /** `price numeric(12,2)` */
  price: NUMERIC_12_2,
} as const;

const readPrice = (body: Body) => readMoney(body, 'price', LIMITS.price);

export function readNewProduct(raw: unknown): NewProduct {
  const body = requireProductBody(raw);
  return {
    sku: readSku(body),
    name: readProductName(body),
    description: readDescription(body),
    price: readPrice(body),
    active: readOptionalBoolean(body, 'active') ?? true,
  };
}

export function readProductPatch(raw: unknown): ProductPatch {
  const body = requireProductChanges(raw);
  const patch: ProductPatch = {};
  if (body.sku !== undefined) patch.sku = readSku(body);
  if (body.name !== undefined) patch.name = readProductName(body);
  if (body.description !== undefined) patch.description = readDescription(body);
  if (body.price !== undefined) patch.price = readPrice(body);
  if (body.active !== undefined) patch.active = readOptionalBoolean(body, 'active');
  return patch;
}
