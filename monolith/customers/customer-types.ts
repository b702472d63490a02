export type Customer = {
  id: number;
  name: string;
  email: string;
  phone: string | null;
  address: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export type NewCustomer = {
  name: string;
  email: string;
  phone: string | null;
  address: string | null;
};

export type CustomerPatch = Partial<NewCustomer>;
