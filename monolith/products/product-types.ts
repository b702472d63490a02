import type { ProductBody } from '../../shop-shared/products/product-body.ts';

/** The `products` table's columns are the contract's fields (docs/api.md). */
export type NewProduct = ProductBody;

export type Product = NewProduct & { id: number; createdAt: Date; updatedAt: Date };

export type ProductPatch = Partial<NewProduct>;

export type ProductFilter = { active?: boolean };
