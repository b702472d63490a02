/**
 * The library's own small HTTP layer over `node:http`, shared by the monolith and the circulation
 * service (the same team wrote both; neither imports the other): a router whose literal segments
 * win over parameters whatever the order of registration, JSON in and out, and one error type
 * that carries its status.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export const notFound = (what: string) => new HttpError(404, `${what} not found`);
export const badRequest = (why: string) => new HttpError(400, why);

/** The one row a query for a single thing returns, or a 404 naming it. */
export function oneRow<T>(rows: T[], what: string): T {
  if (!rows.length) throw notFound(what);
  return rows[0];
}

export type Request = {
  params: Record<string, string>;
  body: Record<string, unknown>;
  query: URLSearchParams;
};
/** A handler answers with a status and a JSON body. */
export type Handler = (req: Request) => Promise<{ status: number; body: unknown }>;

type Route = { method: string; segments: string[]; handler: Handler };

/** Literal segments before parameters, left to right (`/loans/overdue` beats `/loans/:id`). */
const specificity = (route: Route) =>
  route.segments.map((s) => (s.startsWith(':') ? '1' : '0')).join('');

function match(route: Route, parts: string[]): Record<string, string> | undefined {
  if (route.segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of route.segments.entries()) {
    if (segment.startsWith(':')) params[segment.slice(1)] = decodeURIComponent(parts[i]);
    else if (segment !== parts[i]) return undefined;
  }
  return params;
}

export function createRouter() {
  const routes: Route[] = [];
  const add = (method: string, path: string, handler: Handler) => {
    routes.push({ method, segments: path.split('/').filter(Boolean), handler });
    routes.sort((a, b) => specificity(a).localeCompare(specificity(b)));
  };
  return {
    get: (path: string, handler: Handler) => add('GET', path, handler),
    post: (path: string, handler: Handler) => add('POST', path, handler),
    put: (path: string, handler: Handler) => add('PUT', path, handler),
    find(method: string, pathname: string) {
      const parts = pathname.split('/').filter(Boolean);
      for (const route of routes) {
        if (route.method !== method) continue;
        const params = match(route, parts);
        if (params) return { handler: route.handler, params };
      }
      return undefined;
    },
  };
}

export type Router = ReturnType<typeof createRouter>;

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (!chunks.length) return {};
  try {
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (body && typeof body === 'object' && !Array.isArray(body))
      return body as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw badRequest('the body must be a JSON object');
}

/** A PostgreSQL error the client caused: a bad uuid or date, a missing reference, a duplicate. */
function clientFault(error: unknown): HttpError | undefined {
  const code = (error as { code?: string }).code;
  if (code === '22P02' || code === '22007' || code === '22008')
    return badRequest((error as Error).message);
  if (code === '23503') return new HttpError(422, (error as Error).message);
  if (code === '23505') return new HttpError(409, (error as Error).message);
  return undefined;
}

function send(res: http.ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function createServer(router: Router, name: string): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://library');
    const found = router.find(req.method ?? 'GET', url.pathname);
    if (!found) return send(res, 404, { error: `no route ${req.method} ${url.pathname}` });
    readJson(req)
      .then((body) => found.handler({ params: found.params, body, query: url.searchParams }))
      .then(({ status, body }) => send(res, status, body))
      .catch((error: unknown) => {
        const known = error instanceof HttpError ? error : clientFault(error);
        if (!known) console.error(`${name}: ${req.method} ${url.pathname}:`, error);
        send(res, known?.status ?? 500, { error: known?.message ?? 'internal error' });
      });
  });
}

/** Listens on `port` (0: any free one) and gives the server's URL and a close function. */
export async function listen(server: http.Server, port: number, host = '127.0.0.1') {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads a required string field of a JSON body. */
export function field(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || !value) throw badRequest(`${name} is required (a string)`);
  return value;
}
