export type Product = {
  id: number;
  sku: string;
  name: string;
  description: string | null;
  price: number;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
};

export type NewProduct = {
  sku: string;
  name: string;
  description: string | null;
  price: number;
  active: boolean;
};

export type ProductPatch = Partial<NewProduct>;

export type ProductFilter = { active?: boolean };
