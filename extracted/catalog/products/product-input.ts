/**
 * Reads and validates the catalog's product bodies (POST creates, PUT patches) straight into the
 * catalog's columns: `name` -> `title`, `price` -> integer cents. The catalog's own reader beside
 * the monolith's (monolith/products/product-input.ts), because the columns differ; what the
 * contract (docs/api.md) fixes for both, the fields, the text fields' rules and the messages,
 * comes from one place (shop-shared/products/product-body.ts), as the parallel run compares
 * refusals too (products.e2e.test.ts asks both). The price is checked against what the catalog's
 * own column holds. The limits of the catalog's `products` table (migrations/catalog/0002) are
 * named here, once: `LIMITS`.
 */
import {
  PRODUCT_TEXT_LIMITS,
  readDescription,
  readProductName,
  readSku,
  requireProductBody,
  requireProductChanges,
} from '../../../shop-shared/products/product-body.ts';
import {
  NUMERIC_12_2,
  readMoney,
  readOptionalBoolean,
  type Body,
} from '../../../shop-shared/validate.ts';
import { centsFromPrice, priceFromCents } from '../../shared/money.ts';
import type { NewProduct, ProductChanges } from './product-types.ts';

/**
 * The most cents the catalog's `price_cents` column holds as this code reads it: the column is a
 * `bigint` (migration 0004), read into a JavaScript number, so exact up to 2^53 - 1. Every price
 * the monolith's numeric(12,2) keeps fits; prices stay within that contract whatever the column
 * holds. Should the column change, change this constant and nothing else.
 */
export const PRICE_CENTS_COLUMN_MAX = Number.MAX_SAFE_INTEGER;

/**
 * What each field of a product may hold: the contract's rules within the catalog's columns (the
 * text fields' are the contract's, shared with the monolith: shop-shared/products/product-body.ts;
 * `name` is the catalog's `title`).
 */
export const LIMITS = {
  ...PRODUCT_TEXT_LIMITS,
  /** `price_cents` */
  price: { max: Math.min(priceFromCents(PRICE_CENTS_COLUMN_MAX), NUMERIC_12_2.max) },
} as const;

const readPriceCents = (body: Body) => centsFromPrice(readMoney(body, 'price', LIMITS.price));

export function readNewCatalogProduct(raw: unknown): NewProduct {
  const body = requireProductBody(raw);
  return {
    sku: readSku(body),
    title: readProductName(body),
    description: readDescription(body),
    priceCents: readPriceCents(body),
    active: readOptionalBoolean(body, 'active') ?? true,
  };
}

export function readCatalogProductChanges(raw: unknown): ProductChanges {
  const body = requireProductChanges(raw);
  const changes: ProductChanges = {};
  if (body.sku !== undefined) changes.sku = readSku(body);
  if (body.name !== undefined) changes.title = readProductName(body);
  if (body.description !== undefined) changes.description = readDescription(body);
  if (body.price !== undefined) changes.priceCents = readPriceCents(body);
  if (body.active !== undefined) changes.active = readOptionalBoolean(body, 'active');
  return changes;
}
