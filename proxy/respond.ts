/** The two ways the proxy answers a request itself: stream it to a backend, or refuse it. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FicusError } from '../lib/errors.ts';
import { upstreamOf, type ProxyContext, type RequestInfo } from './proxy-context.ts';

/** Streams the request to `backend` and marks the answer with who served it. */
export function serveStream(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  backend: string,
): void {
  const info = ctx.requests.get(req)!;
  info.backend = backend;
  if (ctx.config.backendHeader) res.setHeader('x-ficus-backend', backend);
  upstreamOf(ctx, backend).stream(req, res);
}

/** Answers with a ficus error (its status, code and message) and the request id. */
export function refuse(
  res: ServerResponse,
  error: FicusError,
  info: RequestInfo,
  headers: Record<string, string> = {},
): void {
  info.backend = 'proxy'; // no upstream answered it (metrics)
  if (res.headersSent) return void res.destroy();
  res.writeHead(error.status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ ...error.toJSON(), requestId: info.id }));
}
