/** ShopApi over HTTP against the monolith. Failures to reach it are 503s, odd answers 502s. */
import { DependencyUnavailableError, UpstreamError } from '../../shared/http-errors.ts';
import type { AdjustOutcome, ShopApi, StockLevel } from './shop-api-type.ts';

export function httpShopApi(baseUrl: string, timeoutMs = 5000): ShopApi {
  async function call(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const url = new URL(path, baseUrl);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? undefined : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new DependencyUnavailableError(
        `cannot reach the shop API at ${url.origin} for ${method} ${url.pathname}: ${(error as Error).message}`,
      );
    }
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    return { status: response.status, json };
  }
  const unexpected = (what: string, status: number, json: unknown) =>
    new UpstreamError(`the shop API answered ${status} to ${what}`, { status, body: json });

  return {
    async productActive(productId) {
      const { status, json } = await call('GET', `/api/products/${productId}`);
      if (status === 404) return undefined;
      if (status !== 200 || typeof json.active !== 'boolean')
        throw unexpected(`GET /api/products/${productId}`, status, json);
      return json.active;
    },
    async stockLevel(productId): Promise<StockLevel | undefined> {
      const { status, json } = await call('GET', `/api/inventory/${productId}`);
      if (status === 404) return undefined;
      if (status !== 200) throw unexpected(`GET /api/inventory/${productId}`, status, json);
      return { quantity: Number(json.quantity), reserved: Number(json.reserved) };
    },
    async adjustStock(productId, delta, reason): Promise<AdjustOutcome> {
      const { status, json } = await call('POST', `/api/inventory/${productId}/adjust`, {
        delta,
        reason,
      });
      if (status === 200) return { ok: true };
      if (status === 409) return { ok: false, reason: 'not_enough_stock' };
      if (status === 404) return { ok: false, reason: 'no_inventory' };
      throw unexpected(`POST /api/inventory/${productId}/adjust`, status, json);
    },
  };
}
