export const ORDER_STATUS = { placed: 'placed' } as const;

/** Payment state of an order, mirrored on the order row by the payment callback. */
export type PaymentStatus = 'pending' | 'paid' | 'failed';

export type OrderLine = { productId: number; quantity: number };

export type PlaceOrder = { customerId: number; items: OrderLine[]; paymentMethod: string };

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

export type NewOrder = {
  customerId: number;
  status: string;
  paymentStatus: PaymentStatus;
  total: number;
  items: { productId: number; quantity: number; unitPrice: number }[];
};

/** The order row itself, as the payment callback needs it. */
export type OrderRow = {
  id: number;
  customerId: number;
  status: string;
  paymentStatus: string;
  total: number;
};

export type OrderFilter = { customerId?: number };
