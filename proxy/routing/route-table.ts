/**
 * The routes the plan moves: method + path pattern (`/api/products/:id`) -> the service that
 * takes it over, with the compare rules of that route (the service's rules merged under the
 * route's own). Whatever does not match belongs to the monolith and is not touched.
 *
 * It is asked with the canonical path (canonical-target.ts) and matches it as the monolith's
 * router does: case-insensitively unless told otherwise (Express and Koa do), one trailing slash
 * optional. A matched request is forwarded in the plan's own spelling (`spell`), so that the
 * monolith and the service, whatever their own case and slash rules, see the route chosen here.
 *
 * Of the patterns that match, the most specific wins (plan/route-pattern.ts), whatever their
 * order in the plan: `/api/orders/recent` before `/api/orders/:ref`. Two routes that nothing
 * tells apart are refused.
 */
import type { Plan, RouteCompare } from '../../plan/plan-types.ts';
import { ambiguityKey, compareSpecificity } from '../../plan/route-pattern.ts';
import { ProxyConfigError } from '../proxy-errors.ts';

export type CompareRules = RouteCompare & {
  /** two ISO-8601 timestamps this close (ms) are equal; 0 means "the same instant" */
  timestampToleranceMs?: number;
};

export type MigratedRoute = {
  /** stable label, e.g. `GET /api/products/:id` (metrics, comparisons, reports) */
  id: string;
  service: string;
  method: string;
  path: string;
  compare: CompareRules;
  /** GET and HEAD: safe to mirror and to retry on the monolith */
  read: boolean;
};

type Compiled = { route: MigratedRoute; pattern: RegExp };

export type RouteTable = {
  routes: MigratedRoute[];
  /** the route a request belongs to, or undefined for "monolith, untouched" */
  match(method: string, url: string): MigratedRoute | undefined;
};

export type RouteTableOptions = {
  /**
   * Whether the monolith tells `/API/products` from `/api/products`. Express and Koa do not
   * (the default); Fastify and Spring do. e.g. `{ caseSensitive: true }`
   */
  caseSensitive?: boolean;
};

const READ_METHODS = new Set(['GET', 'HEAD']);

function compilePath(path: string, where: string, flags: string): RegExp {
  if (!path.startsWith('/'))
    throw new ProxyConfigError('FICUS_PLAN', `${where}: path must start with "/"`);
  const parts = path
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
  return new RegExp(`^${parts.join('/')}/?$`, flags);
}

function mergeRules(base: RouteCompare | undefined, own: RouteCompare | undefined): CompareRules {
  const list = (key: 'ignore' | 'unordered' | 'headers' | 'redact') => [
    ...(base?.[key] ?? []),
    ...(own?.[key] ?? []),
  ];
  return {
    ...base,
    ...own,
    ignore: list('ignore'),
    unordered: list('unordered'),
    headers: list('headers').map((h) => h.toLowerCase()),
    redact: list('redact'),
  };
}

export function buildRouteTable(plan: Plan, options: RouteTableOptions = {}): RouteTable {
  const flags = options.caseSensitive ? '' : 'i';
  const compiled: Compiled[] = [];
  for (const service of plan.services) {
    service.routes.forEach((r, index) => {
      const where = `${plan.file}: services.${service.name}.routes[${index}]`;
      const method = String(r.method ?? '').toUpperCase();
      if (!/^[A-Z]+$/.test(method))
        throw new ProxyConfigError('FICUS_PLAN', `${where}: method "${r.method}" is not valid`);
      const id = `${method} ${r.path}`;
      if (compiled.some((c) => c.route.id === id)) {
        throw new ProxyConfigError('FICUS_PLAN', `${where}: route ${id} is given to two services`);
      }
      const route = {
        id,
        service: service.name,
        method,
        path: r.path,
        compare: mergeRules(service.compare, r.compare),
        read: READ_METHODS.has(method),
      };
      compiled.push({ route, pattern: compilePath(r.path, where, flags) });
    });
  }
  refuseAmbiguous(compiled, plan.file, options);
  // Index by method so that a request only tries the patterns of its own method, most specific
  // first: the first that matches is the route.
  const byMethod = new Map<string, Compiled[]>();
  for (const c of compiled)
    byMethod.set(c.route.method, [...(byMethod.get(c.route.method) ?? []), c]);
  for (const candidates of byMethod.values())
    candidates.sort((a, b) => compareSpecificity(a.route.path, b.route.path));
  return {
    routes: compiled.map((c) => c.route),
    match(method, url) {
      // HEAD follows the GET route of the same path, as HTTP says it must answer alike.
      const candidates = byMethod.get(method === 'HEAD' ? 'GET' : method);
      if (!candidates) return undefined;
      const q = url.indexOf('?');
      const pathname = q < 0 ? url : url.slice(0, q);
      return candidates.find((c) => c.pattern.test(pathname))?.route;
    },
  };
}

/**
 * Two routes of one method that match the same paths and are as specific as each other
 * (`/api/orders/:ref` and `/api/orders/:id`, or under case-insensitive matching `/api/Orders`
 * and `/api/orders`): which one a request meant cannot be told. The plan check refuses the
 * ones that are ambiguous however the monolith treats case; this catches the rest.
 */
function refuseAmbiguous(compiled: Compiled[], file: string, options: RouteTableOptions): void {
  const seen = new Map<string, MigratedRoute>();
  for (const { route } of compiled) {
    const key = `${route.method} ${ambiguityKey(route.path, options)}`;
    const other = seen.get(key);
    if (other) {
      throw new ProxyConfigError(
        'FICUS_PLAN',
        `${file}: routes ${other.id} (${other.service}) and ${route.id} (${route.service}) ` +
          'match the same paths and neither is more specific: name one of them differently',
      );
    }
    seen.set(key, route);
  }
}

/**
 * A path the route matched, as the plan spells it: its literal segments from the plan, its
 * parameters as the request gave them, no trailing slash. `/API/Products/Ab7/` -> `/api/products/Ab7`.
 */
export function spellAs(route: MigratedRoute, path: string): string {
  const given = path.replace(/\/$/, '').split('/');
  const spelled = route.path
    .replace(/\/+$/, '')
    .split('/')
    .map((segment, index) => (segment.startsWith(':') ? given[index] : segment));
  return spelled.join('/') || '/';
}
