/**
 * Orders as the monolith's read model shows them: joined with the customer's and the products'
 * names, which only the legacy DB holds beside the orders.
 */
export type OrderItem = {
  id: number;
  productId: number;
  productName: string;
  quantity: number;
  unitPrice: number;
};

export type OrderSummary = {
  id: number;
  customerId: number;
  customerName: string;
  status: string;
  paymentStatus: string;
  total: number;
  createdAt: Date;
  updatedAt: Date;
};

export type OrderDetails = OrderSummary & { items: OrderItem[] };

export type OrderFilter = { customerId?: number };
