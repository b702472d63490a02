/**
 * Whether a product was ever ordered: the monolith refuses to delete such a product (409), and
 * so must the catalog. Order lines are the orders service's data, not the catalog's, so the
 * catalog asks it over HTTP instead of reading its tables (database-per-service). The orders
 * service answers from its own `order_items`, which forward sync keeps complete from the
 * warm-up stage on.
 */
import { DependencyUnavailableError, UpstreamError } from '../../shared/http-errors.ts';

export interface OrderHistory {
  isOrdered(productId: number): Promise<boolean>;
}

/** Asks the orders service: `GET <ordersUrl>/internal/products/:id/ordered` → `{ ordered }`. */
export function httpOrderHistory(ordersUrl: string, timeoutMs = 3000): OrderHistory {
  return {
    async isOrdered(productId) {
      const url = new URL(`/internal/products/${productId}/ordered`, ordersUrl);
      let response: Response;
      try {
        response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        throw new DependencyUnavailableError(
          `cannot ask the orders service at ${url.origin} whether product ${productId} was ordered: ${(error as Error).message}`,
          { productId },
        );
      }
      const body = (await response.json().catch(() => undefined)) as
        { ordered?: unknown } | undefined;
      if (!response.ok || typeof body?.ordered !== 'boolean') {
        throw new UpstreamError(
          `the orders service answered ${response.status} to ${url.pathname}`,
          { productId },
        );
      }
      return body.ordered;
    },
  };
}

/**
 * When no orders service is configured, deleting a product cannot be checked, so it is refused
 * (503) rather than risking an order line that points nowhere.
 */
export const unavailableOrderHistory: OrderHistory = {
  async isOrdered(productId) {
    throw new DependencyUnavailableError(
      `cannot delete product ${productId}: no orders service is configured to check its order history`,
      { productId },
    );
  },
};

/** For unit tests: the given product ids count as ordered. */
export function fixedOrderHistory(orderedIds: number[]): OrderHistory {
  const ordered = new Set(orderedIds);
  return { isOrdered: async (productId) => ordered.has(productId) };
}
