/**
 * Which route an Express app's router matched, observed without changing how it matches: the
 * handlers of each route (`router.get('/:id', …)`) are replaced by a probe that answers 200 with
 * the route in `x-matched-route` (`GET /api/products/:id`: mount path + route path, as declared).
 * Middleware, mounts, the router's case and slash rules, its parameter decoding and the 404 of
 * the app are the app's own; only what would run once a route matched is swapped, so no
 * database is touched. For tests only: the app is unfit to serve afterwards.
 */
import type { Express } from 'express';

/** The shape of router 2.x (Express 5) stacks that the probe reads. */
type Layer = {
  handle: ((...args: never[]) => unknown) & { stack?: Layer[] };
  rawPath?: unknown;
  method?: string;
  route?: { path: string; stack: Layer[] };
};
type Answer = { setHeader(name: string, value: string): void; end(): void };

export const MATCHED_ROUTE_HEADER = 'x-matched-route';

export function probeRoutes(app: Express): Express {
  const router = (app as unknown as { router: { stack: Layer[] } }).router;
  for (const layer of router.stack) probeLayer(layer, '');
  return app;
}

function probeLayer(layer: Layer, mount: string): void {
  if (layer.route) {
    const path = joinPaths(mount, layer.route.path);
    for (const handler of layer.route.stack) {
      const label = `${String(handler.method).toUpperCase()} ${path}`;
      handler.handle = ((_req: unknown, res: Answer) => {
        res.setHeader(MATCHED_ROUTE_HEADER, label);
        res.end();
      }) as Layer['handle'];
    }
  } else if (layer.handle.stack) {
    if (typeof layer.rawPath !== 'string')
      throw new Error(`probeRoutes: a router mounted at ${String(layer.rawPath)} is not supported`);
    for (const inner of layer.handle.stack) probeLayer(inner, joinPaths(mount, layer.rawPath));
  }
}

/** `/api/products` + `/` -> `/api/products`; `/api/products` + `/:id` -> `/api/products/:id` */
const joinPaths = (mount: string, path: string) =>
  (mount.replace(/\/$/, '') + path).replace(/(.)\/$/, '$1') || '/';
