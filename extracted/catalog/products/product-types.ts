import type { ProductBody } from '../../../shop-shared/products/product-body.ts';

/** A product as the catalog keeps it: the plan's target columns, in camelCase. */
export type Product = {
  id: number;
  sku: string;
  /** `name` in the API and in the legacy DB */
  title: string;
  description: string | null;
  priceCents: number;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
};

export type NewProduct = Pick<Product, 'sku' | 'title' | 'description' | 'priceCents' | 'active'>;
export type ProductChanges = Partial<NewProduct>;

export type ProductFilter = { active?: boolean };

/** The contract's Product (docs/api.md). */
export type ProductJson = ProductBody & { id: number; createdAt: string; updatedAt: string };
