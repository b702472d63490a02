/** Reads the orders list query of the monolith (the orders service serves no list). */
import { parseId } from '../../shop-shared/validate.ts';
import type { OrderFilter } from './order-read-types.ts';

export function readOrderFilter(query: Record<string, unknown>): OrderFilter {
  return query.customerId === undefined
    ? {}
    : { customerId: parseId(query.customerId, 'customerId') };
}
