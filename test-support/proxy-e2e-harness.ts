/**
 * For the proxy's e2e suites: small real upstream servers (as http-proxy-middleware's own tests
 * do), a plan naming a fresh service per suite (so flags never collide), and a proxy started on
 * free ports with a config built the way proxy/main.ts builds it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { createLogger } from '../lib/logger.ts';
import type { Plan } from '../plan/plan-types.ts';
import { loadProxyConfig, serviceUrlVariable, type ProxyConfig } from '../proxy/config.ts';
import { createProxy, type CreateProxyOptions } from '../proxy/create-proxy.ts';
import { createAdminApp } from '../proxy/server/admin-app.ts';
import { createProxyApp, listen } from '../proxy/server/proxy-app.ts';

export type Seen = { method: string; url: string; headers: http.IncomingHttpHeaders; body: string };
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

export type FakeUpstream = {
  url: string;
  port: number;
  seen: Seen[];
  handle: Handler;
  close(): Promise<void>;
};

/** A product as both sides answer it; `side` and `servedAt` differ, the rest matches. */
export function productHandler(
  side: string,
  change: (p: Record<string, unknown>) => void = () => {},
): Handler {
  return (req, res, body) => {
    const id = /\/api\/products\/(\d+)/.exec(req.url ?? '')?.[1];
    const product: Record<string, unknown> = {
      id: Number(id ?? 0),
      sku: `SKU-${id}`,
      name: `Product ${id}`,
      price: 12.5,
      meta: { servedAt: new Date().toISOString(), side },
    };
    change(product);
    const status = req.method === 'POST' ? 201 : 200;
    const out = req.method === 'GET' || req.method === 'HEAD' ? product : { side, received: body };
    res.writeHead(status, { 'content-type': 'application/json', 'x-side': side });
    res.end(JSON.stringify(out));
  };
}

export async function startUpstream(handle: Handler, port = 0): Promise<FakeUpstream> {
  const seen: Seen[] = [];
  const upstream = { seen, handle } as FakeUpstream;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      upstream.handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  upstream.port = (server.address() as AddressInfo).port;
  upstream.url = `http://127.0.0.1:${upstream.port}`;
  upstream.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return upstream;
}

export function uniqueService(prefix = 'svc'): string {
  return `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
}

export function testPlan(
  service: string,
  compare: Plan['services'][number]['compare'] = { ignore: ['$.meta.servedAt', '$.meta.side'] },
): Plan {
  return {
    version: 1,
    legacy: { database: 'shop', schema: 'public' },
    file: 'test.plan.yaml',
    services: [
      {
        name: service,
        database: service,
        owns: [],
        replicates: [],
        compare,
        routes: [
          { method: 'GET', path: '/api/products' },
          { method: 'GET', path: '/api/products/:id' },
          { method: 'POST', path: '/api/products' },
          { method: 'PUT', path: '/api/products/:id' },
        ],
      },
    ],
  };
}

export type StartedProxy = Awaited<ReturnType<typeof startProxy>>;

export async function startProxy(
  plan: Plan,
  upstreams: { monolith: string; service: string },
  env: Record<string, string> = {},
  options: CreateProxyOptions & { tweak?: (c: ProxyConfig) => void } = {},
) {
  const service = plan.services[0].name;
  const config = loadProxyConfig(plan, {
    ...process.env,
    FICUS_PROXY_PORT: '0',
    FICUS_PROXY_ADMIN_PORT: '0',
    FICUS_MONOLITH_URL: upstreams.monolith,
    [serviceUrlVariable(service)]: upstreams.service,
    FICUS_PROXY_ADMIN_TOKEN: 'test-admin-token',
    FICUS_UNLEASH_REFRESH_MS: '300',
    FICUS_PROXY_CALIBRATION_SAMPLES: '0',
    // off by default (it tells clients how the system is built); the suites check who answered
    FICUS_PROXY_BACKEND_HEADER: 'true',
    ...env,
  });
  options.tweak?.(config);
  const log = createLogger('proxy-test', () => {});
  const proxy = await createProxy(config, plan, { log, ...options });
  const publicSide = await listen(createProxyApp(proxy.handler), 0, '127.0.0.1', log);
  const adminSide = await listen(createAdminApp(proxy.ctx), 0, '127.0.0.1', log);
  return {
    proxy,
    config,
    url: publicSide.url,
    adminUrl: adminSide.url,
    admin: (path: string, init: RequestInit = {}) =>
      fetch(adminSide.url + path, {
        ...init,
        headers: {
          authorization: 'Bearer test-admin-token',
          'content-type': 'application/json',
          ...(init.headers ?? {}),
        },
      }),
    async close() {
      await publicSide.close();
      await adminSide.close();
      await proxy.close();
    },
  };
}

/** Many GETs with one user id each; returns who served each. */
export async function backendsFor(
  url: string,
  users: string[],
  path = '/api/products/1',
): Promise<string[]> {
  return Promise.all(
    users.map(
      async (u) =>
        (await fetch(url + path, { headers: { 'x-user-id': u } })).headers.get('x-ficus-backend') ??
        '?',
    ),
  );
}

export type { Knex };
