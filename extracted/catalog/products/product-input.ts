/**
 * Product bodies are read by the monolith's own reader (same fields, same rules, same messages:
 * a request the monolith refuses, the catalog refuses identically) and then translated into the
 * catalog's columns: `name` -> `title`, `price` -> integer cents.
 */
import { readNewProduct, readProductPatch } from '../../../monolith/products/product-input.ts';
import { centsFromPrice } from '../../shared/money.ts';
import type { NewProduct, ProductChanges } from './product-types.ts';

export function readNewCatalogProduct(raw: unknown): NewProduct {
  const product = readNewProduct(raw);
  return {
    sku: product.sku,
    title: product.name,
    description: product.description,
    priceCents: centsFromPrice(product.price),
    active: product.active,
  };
}

export function readCatalogProductChanges(raw: unknown): ProductChanges {
  const patch = readProductPatch(raw);
  const changes: ProductChanges = {};
  if (patch.sku !== undefined) changes.sku = patch.sku;
  if (patch.name !== undefined) changes.title = patch.name;
  if (patch.description !== undefined) changes.description = patch.description;
  if (patch.price !== undefined) changes.priceCents = centsFromPrice(patch.price);
  if (patch.active !== undefined) changes.active = patch.active;
  return changes;
}
