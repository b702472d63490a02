// Property: the proxy's route table (through the canonical target) and the REAL monolith's
// Express router never route a request differently. Spellings of the shop's paths (case changes,
// doubled slashes, dot segments, escaped unreserved characters, absolute-form, trailing slashes,
// and a few hostile escapes) are thrown at both: for each, the proxy either refuses it (400) or
// routes it to a plan route R, or to no plan route, and the monolith, sent what the proxy would
// forward, matches the handler of R, or a handler no plan route names (or none). And where the
// monolith itself understood the spelling as sent, the canonical form keeps that meaning.
//
// The monolith is its own app factory with its route handlers swapped for a probe
// (test-support/express-route-probe.ts): its router, mounts and rules are untouched, and no
// database is opened.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import fc from 'fast-check';
import knex from 'knex';
import { createLogger } from '../../lib/logger.ts';
import { createMonolithApp } from '../../monolith/app.ts';
import { SHOP_PLAN_FILE, parsePlan } from '../../plan/load-plan.ts';
import { MATCHED_ROUTE_HEADER, probeRoutes } from '../../test-support/express-route-probe.ts';
import { canonicalTarget } from './canonical-target.ts';
import { buildRouteTable, spellAs } from './route-table.ts';

const plan = parsePlan(fs.readFileSync(SHOP_PLAN_FILE, 'utf8'), 'shop.plan.yaml');
const table = buildRouteTable(plan); // the default: case-insensitive, as Express
const db = knex({ client: 'pg' }); // never connects: no handler runs
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
let server: http.Server;
let port: number;

beforeAll(async () => {
  const app = probeRoutes(createMonolithApp({ db, log: createLogger('monolith', () => {}) }));
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
  await db.destroy();
});

/** The route the monolith's router matched for this request target, or undefined. */
function monolithRoute(method: string, target: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, method, path: target, agent, headers: { host: 'shop' } },
      (response) => {
        response.resume();
        response.on('end', () => {
          const matched = response.headers[MATCHED_ROUTE_HEADER];
          resolve(typeof matched === 'string' ? matched : undefined);
        });
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** `GET /api/products/:id` and `GET /api/products/:productId` are the same route. */
const shape = (route: string) => route.replace(/:[^/]+/g, ':');
const planShapes = new Set(table.routes.map((r) => shape(r.id)));

// The shop's requests: every route of the plan and of the monolith with its own method and
// parameter values, any method on those paths, and a few paths that route nowhere.
const paramValue = fc.oneof(
  fc.integer({ min: 1, max: 99_999 }).map(String),
  fc.constantFrom('Ab7', 'sku-9', 'x;v=1', '~u', 'a.b', '%C3%A9', 'a%20b', '%41'),
);
const withParams = (template: string) =>
  fc
    .array(paramValue, { minLength: 3, maxLength: 3 })
    .map((values) => template.replace(/:[^/]+/g, () => values.pop()!));
const MONOLITH_ONLY = [
  'GET /health',
  'GET /api/customers',
  'GET /api/customers/:id',
  'POST /api/customers',
  'PUT /api/customers/:id',
  'DELETE /api/customers/:id',
  'GET /api/inventory/:productId',
  'POST /api/inventory/:productId/adjust',
  'GET /api/orders',
];
const request = fc
  .oneof(
    { weight: 3, arbitrary: fc.constantFrom(...table.routes.map((r) => r.id)) },
    { weight: 2, arbitrary: fc.constantFrom(...MONOLITH_ONLY) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'),
          fc.constantFrom(
            ...table.routes.map((r) => r.path),
            '/',
            '/api',
            '/api/productsX/1',
            '/api/products/1/reviews',
            '/apix/products',
          ),
        )
        .map(([verb, path]) => `${verb} ${path}`),
    },
  )
  .chain((id) => {
    const [verb, template] = id.split(' ');
    return withParams(template).map((path) => ({ verb, path }));
  });

const UNRESERVED = /[A-Za-z0-9\-._~]/;
type Spelling = {
  flipCase: boolean[];
  doubleSlash: boolean[];
  escape: boolean[];
  lowerHex: boolean;
  dots: 'none' | 'dot' | 'dotdot';
  trailing: boolean;
  absolute: boolean;
  query: boolean;
  hostile: '' | '%2F' | '%2f' | '%00' | '%zz' | '\\' | '%2E%2E' | '%5C' | '%C3';
};
/** true one time in five */
const sometimes = fc.integer({ min: 0, max: 4 }).map((n) => n === 0);
const spelling: fc.Arbitrary<Spelling> = fc.record({
  flipCase: fc.array(fc.boolean(), { maxLength: 40 }),
  doubleSlash: fc.array(sometimes, { maxLength: 8 }),
  escape: fc.array(sometimes, { maxLength: 40 }),
  lowerHex: fc.boolean(),
  dots: fc.constantFrom('none', 'none', 'dot', 'dotdot'),
  trailing: fc.boolean(),
  absolute: fc.boolean(),
  query: fc.boolean(),
  hostile: fc.oneof(
    { weight: 6, arbitrary: fc.constant('' as const) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('%2F', '%2f', '%00', '%zz', '\\', '%2E%2E', '%5C', '%C3' as const),
    },
  ),
});

/** One spelling of `path`, as a client might send it. */
function spell(path: string, s: Spelling): string {
  let out = '';
  let slashes = 0;
  for (const [i, char] of [...path].entries()) {
    if (char === '/') {
      out += s.doubleSlash[slashes++] ? '//' : '/';
      if (s.dots === 'dot' && slashes === 2) out += './';
      if (s.dots === 'dotdot' && slashes === 2) out += 'zz/../';
      continue;
    }
    // (an escape's hex digits may be flipped too: still the same escape)
    const cased = s.flipCase[i]
      ? char === char.toLowerCase()
        ? char.toUpperCase()
        : char.toLowerCase()
      : char;
    const inEscape = path[i - 1] === '%' || path[i - 2] === '%';
    if (s.escape[i] && !inEscape && UNRESERVED.test(cased)) {
      const hex = cased.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
      out += `%${s.lowerHex ? hex.toLowerCase() : hex}`;
    } else out += cased;
  }
  if (s.hostile) out += `/x${s.hostile}y`;
  if (s.trailing) out += '/';
  if (s.query) out += '?page=2&q=%2F%00';
  return s.absolute ? `http://shop.example${out}` : out;
}

test('the route table and the monolith never route a spelling differently', async () => {
  await fc.assert(
    fc.asyncProperty(request, spelling, async ({ verb, path }, s) => {
      const target = spell(path, s);
      const canonical = canonicalTarget(verb, target);
      if (!canonical.ok) return; // refused with a 400: nothing reaches any upstream
      const route = table.match(verb, canonical.path);
      const forwarded = route ? spellAs(route, canonical.path) + canonical.query : canonical.target;
      const matched = await monolithRoute(verb, forwarded);
      if (route)
        expect({ target, matched: shape(matched ?? '-') }).toEqual({
          target,
          matched: shape(route.id),
        });
      // No plan route: the monolith keeps it, so no handler of a moved route may answer it.
      else
        expect({ target, matched, moved: planShapes.has(shape(matched ?? '-')) }).toMatchObject({
          moved: false,
        });
      // Where the monolith read the spelling as sent, the canonical form means the same.
      // (Dot segments are the exception by design: resolved here, a parameter to Express.)
      if (s.dots === 'none' && !/\/\.\.?(\/|$)/.test(pathAsSent(target))) {
        const asSent = await monolithRoute(verb, target);
        if (asSent) expect({ target, matched }).toEqual({ target, matched: asSent });
      }
    }),
    { numRuns: 1000 },
  );
});

/** The path of a target as sent (origin-form or absolute-form), for the dot-segment check. */
const pathAsSent = (target: string) =>
  target.replace(/^https?:\/\/[^/?]*/i, '').replace(/\?.*$/, '');

test('the spellings of issue 15 all go to catalog, and the monolith matches the route forwarded', async () => {
  for (const target of [
    '/API/products/7',
    '//api/products/7',
    '/api//products/7',
    'http://x/api/products/7',
    '/api/products/7/',
    '/Api/Products',
  ]) {
    const canonical = canonicalTarget('GET', target);
    if (!canonical.ok) throw new Error(`${target}: ${canonical.reason}`);
    const route = table.match('GET', canonical.path);
    expect([target, route?.service]).toEqual([target, 'catalog']);
    const forwarded = spellAs(route!, canonical.path);
    expect(shape((await monolithRoute('GET', forwarded)) ?? '-')).toBe(shape(route!.id));
  }
});
