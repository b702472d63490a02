import { decodeStage, stageStrategy } from '../../plan/stage-flag.ts';
import { createMirrorLimiter } from '../mirror/mirror-limiter.ts';
import { createWriteHolds } from '../writes/write-hold.ts';
import { addForwarded, stripHopByHop } from '../upstream/forward-headers.ts';
import { parsePlan } from '../../plan/load-plan.ts';
import { requestIdentity, parseIdentitySource } from './request-identity.ts';
import type { IncomingMessage } from 'node:http';
import { admitRequest } from './request-edge.ts';
import { buildRouteTable, spellAs } from './route-table.ts';
import { decide } from './decide.ts';

const plan = parsePlan(
  `version: 1
legacy: { database: shop }
services:
  catalog:
    database: catalog
    compare: { ignore: [$.meta.servedAt], redact: [$..email] }
    routes:
      - { method: GET, path: /api/products }
      - { method: GET, path: /api/products/:id, compare: { unordered: [$.tags] } }
      - { method: POST, path: /api/products }
`,
  'test.yaml',
);

describe('route table', () => {
  const table = buildRouteTable(plan);
  it('matches method and pattern, ignores the query, lets HEAD follow GET, and leaves the rest to the monolith', () => {
    expect(table.match('GET', '/api/products?page=2')?.id).toBe('GET /api/products');
    expect(table.match('GET', '/api/products/42')?.id).toBe('GET /api/products/:id');
    expect(table.match('HEAD', '/api/products/42/')?.id).toBe('GET /api/products/:id');
    expect(table.match('POST', '/api/products')?.read).toBe(false);
    expect(table.match('DELETE', '/api/products/42')).toBeUndefined();
    expect(table.match('GET', '/api/products/42/reviews')).toBeUndefined();
    expect(table.match('GET', '/api/productsX')).toBeUndefined();
    expect(table.match('GET', '/%zz')).toBeUndefined();
  });
  it('merges the service rules under the route rules', () => {
    expect(table.match('GET', '/api/products/1')?.compare).toMatchObject({
      ignore: ['$.meta.servedAt'],
      unordered: ['$.tags'],
      redact: ['$..email'],
    });
  });
});

describe('route table: the most specific pattern wins, whatever the order in the plan', () => {
  const planOf = (routes: string[]) =>
    parsePlan(
      `version: 1
legacy: { database: shop }
services:
  orders:
    database: orders
    routes:
${routes.map((r) => `      - { method: ${r.split(' ')[0]}, path: ${r.split(' ')[1]} }`).join('\n')}
`,
      'test.yaml',
    );
  const routes = [
    'GET /api/orders/:ref',
    'GET /api/:kind/recent',
    'GET /api/orders/recent',
    'GET /api/:kind/:ref',
    'GET /api/orders/recent/:page',
    'DELETE /api/orders/:ref',
  ];
  const orders = [routes, [...routes].reverse(), [3, 5, 1, 0, 4, 2].map((i) => routes[i])];
  it.each(orders)('routes alike for the plan order %#', (...order) => {
    const table = buildRouteTable(planOf(order));
    const route = (method: string, path: string) => table.match(method, path)?.id;
    expect(route('GET', '/api/orders/recent')).toBe('GET /api/orders/recent');
    expect(route('GET', '/api/orders/Recent/')).toBe('GET /api/orders/recent');
    expect(route('GET', '/api/orders/A-17')).toBe('GET /api/orders/:ref');
    // the longer literal prefix first: `orders` is literal where `:kind` is not
    expect(route('GET', '/api/invoices/recent')).toBe('GET /api/:kind/recent');
    expect(route('GET', '/api/invoices/7')).toBe('GET /api/:kind/:ref');
    expect(route('GET', '/api/orders/recent/2')).toBe('GET /api/orders/recent/:page');
    expect(route('DELETE', '/api/orders/recent')).toBe('DELETE /api/orders/:ref');
    expect(route('HEAD', '/api/orders/recent')).toBe('GET /api/orders/recent');
  });
  it('refuses two routes that match the same paths with neither more specific', () => {
    const twoServices = parsePlan(
      `version: 1
legacy: { database: shop }
services:
  orders:
    database: orders
    routes: [{ method: GET, path: /api/Orders/:ref }]
  billing:
    database: billing
    routes: [{ method: GET, path: /api/orders/:id }]
`,
      'test.yaml',
    );
    // ambiguous where the monolith ignores case (the default), not where it does not
    expect(() => buildRouteTable(twoServices)).toThrow(
      'FICUS_PLAN: test.yaml: routes GET /api/Orders/:ref (orders) and GET /api/orders/:id (billing) match the same paths and neither is more specific',
    );
    expect(
      buildRouteTable(twoServices, { caseSensitive: true }).match('GET', '/api/orders/1')?.id,
    ).toBe('GET /api/orders/:id');
  });
});

describe('route table: case', () => {
  it('matches case-insensitively by default, as Express and Koa route', () => {
    const table = buildRouteTable(plan);
    expect(table.match('GET', '/API/Products/Ab7')?.id).toBe('GET /api/products/:id');
    expect(table.match('POST', '/Api/PRODUCTS/')?.id).toBe('POST /api/products');
  });
  it('matches case-sensitively when the monolith does', () => {
    const table = buildRouteTable(plan, { caseSensitive: true });
    expect(table.match('GET', '/API/products/7')).toBeUndefined();
    expect(table.match('GET', '/api/products/7')?.id).toBe('GET /api/products/:id');
  });
  it('spells a matched path as the plan does, parameters as given, without a trailing slash', () => {
    const [list, one] = buildRouteTable(plan).routes;
    expect(spellAs(one, '/API/Products/Ab7/')).toBe('/api/products/Ab7');
    expect(spellAs(list, '/api/PRODUCTS/')).toBe('/api/products');
  });
});

describe('request edge', () => {
  const table = buildRouteTable(plan);
  const request = (method: string, url: string, rawHeaders = ['Host', 'shop']) =>
    ({
      method,
      url,
      rawHeaders,
      headers: { host: rawHeaders[1] },
    }) as unknown as IncomingMessage;

  it('forwards a matched route in the plan spelling, the query as sent', () => {
    const req = request('GET', '//API/products/./Ab7/?q=A%2fB');
    expect(admitRequest(req, table).route?.id).toBe('GET /api/products/:id');
    expect(req.url).toBe('/api/products/Ab7?q=A%2fB');
  });
  it('forwards what the plan does not name in its canonical form, and `OPTIONS *` as `*`', () => {
    const other = request('GET', '/API//Customers/%37');
    expect(admitRequest(other, table)).toEqual({ route: undefined });
    expect(other.url).toBe('/API/Customers/7');
    const star = request('OPTIONS', '*');
    expect(admitRequest(star, table)).toEqual({ route: undefined });
    expect(star.url).toBe('*');
  });
  it('takes Host from an absolute-form target', () => {
    const req = request('GET', 'http://shop.example/api/products');
    expect(admitRequest(req, table).route?.id).toBe('GET /api/products');
    expect(req.url).toBe('/api/products');
    expect(req.headers.host).toBe('shop.example');
  });
  it('refuses two Host headers, and a target without a canonical form, with a 400', () => {
    const twice = admitRequest(request('GET', '/', ['Host', 'a', 'x-y', '1', 'HOST', 'b']), table);
    expect(twice.refused?.toJSON()).toMatchObject({ error: 'duplicate_host' });
    expect(twice.refused?.status).toBe(400);
    const slash = admitRequest(request('GET', '/api/products/a%2Fb'), table);
    expect(slash.refused?.toJSON()).toMatchObject({ error: 'bad_request_target' });
    expect(slash.refused?.message).toMatch(/encoded slash/);
    expect(admitRequest(request('GET', '*'), table).refused?.status).toBe(400);
  });
});

describe('stage table', () => {
  const member = () => true;
  const outsider = () => false;
  it.each([
    ['legacy', true, member, { serve: 'monolith', mirror: false, fallback: false }],
    ['shadow', true, member, { serve: 'monolith', mirror: true, fallback: false }],
    ['shadow', false, member, { serve: 'monolith', mirror: false, fallback: false }],
    ['canary', true, member, { serve: 'service', mirror: false, fallback: true }],
    ['canary', true, outsider, { serve: 'monolith', mirror: true, fallback: false }],
    ['canary', false, member, { serve: 'monolith', mirror: false, fallback: false }],
    ['live', true, outsider, { serve: 'service', mirror: false, fallback: false }],
    ['live', false, outsider, { serve: 'service', mirror: false, fallback: false }],
    ['complete', false, outsider, { serve: 'service', mirror: false, fallback: false }],
  ] as const)('%s, read=%s', (stage, read, inCanary, expected) => {
    expect(decide({ stage, percent: 50 }, read, inCanary)).toEqual(expected);
  });
});

describe('stage flag', () => {
  it('round-trips a stage through the strategy ficus stage writes, and reads a disabled flag as legacy', () => {
    const strategy = stageStrategy('catalog', { stage: 'canary', percent: 25 });
    expect(strategy.parameters).toEqual({
      rollout: '25',
      stickiness: 'userId',
      groupId: 'ficus.catalog',
    });
    expect(decodeStage({ name: 'ficus.catalog', enabled: true, strategies: [strategy] })).toEqual({
      stage: 'canary',
      percent: 25,
    });
    expect(decodeStage({ name: 'ficus.catalog', enabled: false, strategies: [strategy] })).toEqual({
      stage: 'legacy',
      percent: 0,
    });
    expect(decodeStage(undefined)).toEqual({ stage: 'legacy', percent: 0 });
    const live = stageStrategy('catalog', { stage: 'live', percent: 0 });
    expect(live.parameters.rollout).toBe('100');
    // Someone moved the rollout in Unleash's UI: the rollout is the truth about who is served.
    expect(
      decodeStage({
        name: 'f',
        enabled: true,
        strategies: [{ ...strategy, parameters: { ...strategy.parameters, rollout: '60' } }],
      }),
    ).toEqual({ stage: 'canary', percent: 60 });
  });
});

describe('request identity', () => {
  const jwt = (claims: object) =>
    `Bearer e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  it('takes the user id from a header, a cookie or a JWT claim, then a session, then the address', () => {
    const opts = (s: string) => ({ source: parseIdentitySource(s), sessionCookie: 'sid' });
    expect(requestIdentity({ 'x-user-id': '7' }, '1.2.3.4', opts('header:X-User-Id'))).toEqual({
      key: '7',
      from: 'user',
    });
    expect(requestIdentity({ cookie: 'a=1; uid=u%2042' }, '1.2.3.4', opts('cookie:uid'))).toEqual({
      key: 'u 42',
      from: 'user',
    });
    expect(
      requestIdentity({ authorization: jwt({ sub: 'alice' }) }, '1.2.3.4', opts('jwt:sub')),
    ).toEqual({ key: 'alice', from: 'user' });
    expect(
      requestIdentity(
        { authorization: 'Bearer junk', cookie: 'sid=s1' },
        '1.2.3.4',
        opts('jwt:sub'),
      ),
    ).toEqual({ key: 'session:s1', from: 'session' });
    expect(requestIdentity({}, '1.2.3.4', opts('header:x-user-id'))).toEqual({
      key: 'address:1.2.3.4',
      from: 'address',
    });
    expect(() => parseIdentitySource('query:uid')).toThrow(/header:<name>/);
  });
  it('takes a JWT from other schemes, and a nested, namespaced or numeric claim', () => {
    const token = (claims: object) =>
      `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    const user = (authorization: string, spec: string) =>
      requestIdentity({ authorization }, '1.2.3.4', {
        source: parseIdentitySource(spec),
        sessionCookie: 'sid',
      }).key;
    const claims = { user: { id: 7 }, 'https://example.com/claims': { user_id: 'ns-1' } };
    expect(user(`Token ${token(claims)}`, 'jwt:user.id')).toBe('7');
    expect(user(`Bearer ${token(claims)}`, `jwt:['https://example.com/claims'].user_id`)).toBe(
      'ns-1',
    );
    expect(user(`JWT ${token(claims)}`, 'jwt(JWT):user.id')).toBe('7');
    expect(user(`JWT ${token(claims)}`, 'jwt:user.id')).toBe('address:1.2.3.4');
    expect(parseIdentitySource('jwt(*):sub')).toEqual({
      kind: 'jwt',
      schemes: 'any',
      claim: ['sub'],
    });
    expect(() => parseIdentitySource('jwt:')).toThrow(/jwt\[\(<scheme>,…\)\]:<claim path>/);
    expect(() => parseIdentitySource('jwt(Bad Scheme):sub')).toThrow(/not an Authorization scheme/);
  });
});

describe('mirror limiter', () => {
  it('samples and bounds concurrency, naming the reason', () => {
    const limiter = createMirrorLimiter({ concurrency: 1, sampleRatio: 0.5 }, () => 0.7);
    expect(limiter.acquire()).toBe('sampled_out');
    const full = createMirrorLimiter({ concurrency: 1, sampleRatio: 1 });
    const slot = full.acquire();
    expect(full.acquire()).toBe('concurrency');
    if (typeof slot !== 'string') slot.release();
    expect(typeof full.acquire()).toBe('object');
  });
});

describe('write holds', () => {
  it('admits at once without a hold, on release during one, refuses past the bound', async () => {
    const holds = createWriteHolds();
    expect(await holds.admit('catalog')).toEqual({ admitted: true, waitedMs: 0 });
    holds.hold('catalog', 1000, 10_000);
    const waiting = holds.admit('catalog');
    expect(holds.list()[0].waiting).toBe(1);
    holds.release('catalog');
    expect((await waiting).admitted).toBe(true);
    holds.hold('catalog', 20, 10_000);
    const refused = await holds.admit('catalog');
    expect(refused).toMatchObject({ admitted: false, retryAfterSeconds: 10 });
    holds.release('catalog');
  });
});

describe('forwarding headers', () => {
  it('drops hop-by-hop headers and those Connection names, appends the client to X-Forwarded-For', () => {
    const headers = stripHopByHop({
      connection: 'close, x-secret',
      'x-secret': '1',
      'keep-alive': '5',
      te: 'trailers',
      'transfer-encoding': 'chunked',
      host: 'shop:80',
    });
    expect(headers).toEqual({ 'transfer-encoding': 'chunked', host: 'shop:80' });
    expect(
      addForwarded(
        { host: 'shop', 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'https' },
        { remoteAddress: '127.0.0.1', localPort: 8080, encrypted: false },
      ),
    ).toEqual({
      host: 'shop',
      'x-forwarded-for': '10.0.0.1, 127.0.0.1',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'shop',
      'x-forwarded-port': '8080',
    });
  });
});
