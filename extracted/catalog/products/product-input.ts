/**
 * Reads and validates the catalog's product bodies (POST creates, PUT patches) into the catalog's
 * columns: `name` -> `title`, `price` -> integer cents. The body is read as the contract has it
 * (docs/api.md), by the reader the monolith uses too (shop-shared/products/product-body.ts), so
 * both refuse a product alike, down to the message (products.e2e.test.ts asks both); the price
 * is checked against what the catalog's own column holds, and what was read is then mapped onto
 * the catalog's columns. The limits of the catalog's `products` table (migrations/catalog/0002)
 * are named here, once: `LIMITS`.
 */
import {
  PRODUCT_TEXT_LIMITS,
  readProductBody,
  readProductChanges,
} from '../../../shop-shared/products/product-body.ts';
import { NUMERIC_12_2 } from '../../../shop-shared/validate.ts';
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

export function readNewCatalogProduct(raw: unknown): NewProduct {
  const { name, price, ...same } = readProductBody(raw, LIMITS.price);
  return { ...same, title: name, priceCents: centsFromPrice(price) };
}

export function readCatalogProductChanges(raw: unknown): ProductChanges {
  const { name, price, ...same } = readProductChanges(raw, LIMITS.price);
  return {
    ...same,
    ...(name === undefined ? {} : { title: name }),
    ...(price === undefined ? {} : { priceCents: centsFromPrice(price) }),
  };
}
