/**
 * Realistic traffic for the walkthrough, sent through the proxy the whole time: shoppers browse
 * (lists, product pages), place orders and look at them, admins edit products, a spread of users
 * (x-user-id) so canary stickiness has people to be sticky for. Deterministic (seeded), bounded
 * in rate and concurrency, and it counts what it saw: answers per backend and per status class,
 * and failures (5xx or no answer), which the walkthrough's checks read.
 */
import { createRandom } from '../lib/seeded-random.ts';

export type TrafficOptions = {
  baseUrl: string;
  productIds: number[];
  customerIds: number[];
  ratePerSecond?: number;
  concurrency?: number;
  users?: number;
  seed?: number;
};

export type TrafficStats = {
  sent: number;
  byBackend: Record<string, number>;
  byStatus: Record<string, number>;
  failures: {
    method: string;
    path: string;
    status: number | 'error';
    backend?: string;
    detail?: string;
  }[];
  ordersPlaced: number[];
};

export type Traffic = { stats(): TrafficStats; stop(): Promise<TrafficStats> };

/** The traffic's own deterministic stream (lib/seeded-random.ts). */
export const seededRandom = (seed: number): (() => number) => createRandom(seed, 'traffic').next;

type Request = { method: string; path: string; body?: unknown; user: string; kind: string };

export function nextRequest(
  random: () => number,
  options: TrafficOptions,
  orders: number[],
): Request {
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  const user = `user-${1 + Math.floor(random() * (options.users ?? 200))}`;
  const roll = random();
  if (roll < 0.35)
    return {
      method: 'GET',
      path: `/api/products?page=${1 + Math.floor(random() * 20)}&pageSize=20`,
      user,
      kind: 'browse',
    };
  if (roll < 0.7)
    return {
      method: 'GET',
      path: `/api/products/${pick(options.productIds)}`,
      user,
      kind: 'product',
    };
  if (roll < 0.8 && orders.length)
    return { method: 'GET', path: `/api/orders/${pick(orders.slice(-200))}`, user, kind: 'order' };
  if (roll < 0.9) {
    const items = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
      productId: pick(options.productIds),
      quantity: 1,
    }));
    const unique = [...new Map(items.map((i) => [i.productId, i])).values()];
    return {
      method: 'POST',
      path: '/api/orders',
      body: { customerId: pick(options.customerIds), items: unique },
      user,
      kind: 'checkout',
    };
  }
  if (roll < 0.95) {
    const cents = 100 + Math.floor(random() * 20000);
    return {
      method: 'PUT',
      path: `/api/products/${pick(options.productIds)}`,
      body: { price: cents / 100 },
      user: 'admin-1',
      kind: 'admin-edit',
    };
  }
  return {
    method: 'GET',
    path: `/api/customers/${pick(options.customerIds)}`,
    user,
    kind: 'customer',
  };
}

export function startTraffic(options: TrafficOptions): Traffic {
  const random = seededRandom(options.seed ?? 7);
  const stats: TrafficStats = {
    sent: 0,
    byBackend: {},
    byStatus: {},
    failures: [],
    ordersPlaced: [],
  };
  const interval = 1000 / (options.ratePerSecond ?? 40);
  const concurrency = options.concurrency ?? 8;
  let running = true;
  let inFlight = 0;
  const pending = new Set<Promise<void>>();

  const send = async (request: Request) => {
    inFlight++;
    try {
      const response = await fetch(options.baseUrl + request.path, {
        method: request.method,
        headers: { 'content-type': 'application/json', 'x-user-id': request.user },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(10_000),
      });
      const backend = response.headers.get('x-ficus-backend') ?? 'unknown';
      const text = await response.text();
      stats.byBackend[backend] = (stats.byBackend[backend] ?? 0) + 1;
      const statusClass = `${Math.floor(response.status / 100)}xx`;
      stats.byStatus[statusClass] = (stats.byStatus[statusClass] ?? 0) + 1;
      if (response.status >= 500)
        stats.failures.push({
          method: request.method,
          path: request.path,
          status: response.status,
          backend,
          detail: text.slice(0, 200),
        });
      if (request.kind === 'checkout' && response.status === 201)
        stats.ordersPlaced.push(JSON.parse(text).id);
    } catch (error) {
      stats.failures.push({
        method: request.method,
        path: request.path,
        status: 'error',
        detail: (error as Error).message,
      });
    } finally {
      inFlight--;
    }
  };

  const loop = (async () => {
    let next = Date.now();
    while (running) {
      if (inFlight < concurrency) {
        stats.sent++;
        const p = send(nextRequest(random, options, stats.ordersPlaced));
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }
      next += interval;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      else next = Date.now();
    }
  })();

  return {
    stats: () => stats,
    stop: async () => {
      running = false;
      await loop;
      await Promise.all(pending);
      return stats;
    },
  };
}
