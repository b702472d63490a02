import { priceFromCents } from '../../shared/money.ts';
import type { Product, ProductJson } from './product-types.ts';

/** The catalog's row in the monolith's shape: `title` answers as `name`, cents as a price. */
export function toProductJson(product: Product): ProductJson {
  return {
    id: product.id,
    sku: product.sku,
    name: product.title,
    description: product.description,
    price: priceFromCents(product.priceCents),
    active: product.active,
    createdAt: product.createdAt.toISOString(),
    updatedAt: product.updatedAt.toISOString(),
  };
}
