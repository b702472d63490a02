import type { PageRequest } from '../../shop-shared/pagination.ts';
import type { OrderDetails, OrderFilter, OrderSummary } from './order-read-types.ts';

/** Reads of orders joined with the customers and products tables (names for display). */
export interface OrderReadModel {
  get(id: number): Promise<OrderDetails | undefined>;
  list(filter: OrderFilter, page: PageRequest): Promise<{ items: OrderSummary[]; total: number }>;
}
