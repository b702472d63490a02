/**
 * Streaming pass-through to one upstream, with http-proxy-middleware: the body flows through as
 * it comes, nothing is buffered. Its default plugins are ejected for ours: hop-by-hop headers
 * dropped from answers, the circuit breaker told how the upstream did, an optional tap that
 * copies the answer (bounded) for a comparison, and a JSON 502 naming the request id when the
 * upstream cannot be reached.
 *
 * A kept-alive connection can be closed by the upstream just as a request goes out on it (its
 * keep-alive timeout, a restart): the request fails before any answer though the upstream is
 * fine. A bodiless idempotent request that failed that way on a reused connection is sent again,
 * at most twice; anything else gets the 502 (seen in CI: one GET of thousands failed with
 * `read ECONNRESET` while catalog was healthy).
 *
 * A body with a limit (migrated routes) is counted as it streams: once past it, the upstream
 * request is destroyed before the body's end was sent, so the upstream never sees a whole body,
 * and the client gets a 413 (or, if the upstream already answered, a cut connection).
 *
 * The target goes out as the edge made it (request-edge.ts), `*` included (`OPTIONS *`).
 */
import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Url } from 'node:url';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { Answer } from '../compare/compare-responses.ts';
import { RequestTooLargeError, UpstreamUnavailableError } from '../proxy-errors.ts';
import { watchBodySize } from './body-limit.ts';
import { stripHopByHop } from './forward-headers.ts';
import { hasBody } from './upstream-headers.ts';

/** Copies an answer while it streams to the client; `undefined` if it grew over `maxBytes`. */
export type Tap = {
  maxBytes: number;
  done(answer: (Answer & { latencyMs: number }) | undefined, error?: string): void;
  started: number;
};

export type StreamHooks = {
  onUpstreamResult(ok: boolean, req: IncomingMessage): void;
  tapOf(req: IncomingMessage): Tap | undefined;
  requestIdOf(req: IncomingMessage): string;
  /** the most bytes the request's body may have, or undefined for no limit */
  bodyLimitOf(req: IncomingMessage): number | undefined;
};

export type StreamProxy = (req: IncomingMessage, res: ServerResponse) => void;

export function createStreamProxy(
  name: string,
  target: string,
  agent: Agent,
  hooks: StreamHooks,
): StreamProxy {
  const middleware = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: parsedOnce(target),
    // http-proxy would otherwise url.parse each request's path again (~8% of the proxy's CPU on
    // Node 24, where url.parse also looks up its caller for a deprecation warning): the request
    // target goes out as the edge made it
    toProxy: true,
    // every request given to it is proxied: the default filter ('/') let `*` through to nobody,
    // and the client waited for ever
    pathFilter: () => true,
    agent,
    changeOrigin: false,
    ejectPlugins: true,
    plugins: [
      (proxyServer) => {
        // 'start' comes before http-proxy pipes the body: the count sees every chunk first
        proxyServer.on('start', (req, res) => {
          // node has answered a client's `Expect: 100-continue` itself; passed on, it would also
          // keep http-proxy from announcing the upstream request (no 'proxyReq' with it)
          delete req.headers.expect;
          const limit = hooks.bodyLimitOf(req);
          if (limit === undefined || !hasBody(req)) return;
          watchBodySize(req, limit, (bytes) =>
            stopOverLimit(req as Attempted, res as ServerResponse, limit, bytes),
          );
        });
        proxyServer.on('proxyReq', (proxyReq, req) => {
          const attempted = req as Attempted;
          attempted[ON_REUSED_SOCKET] = proxyReq.reusedSocket;
          attempted[UPSTREAM_REQUEST] = proxyReq;
          if (req.url === '*') proxyReq.path = '*'; // http-proxy joins it to the target's '/'
          if (attempted[OVER_LIMIT]) proxyReq.destroy();
        });
        proxyServer.on('proxyRes', (proxyRes, req, res) => {
          (req as Attempted)[ANSWERED] = true;
          stripHopByHop(proxyRes.headers);
          // http-proxy answers `connection: keep-alive` unless the request's Connection header
          // (hop-by-hop, dropped at the edge) said close, and node keeps the connection when told
          // so: a client's `Connection: close` is kept (node has read it from the request)
          if (!res.shouldKeepAlive) proxyRes.headers.connection = 'close';
          hooks.onUpstreamResult((proxyRes.statusCode ?? 502) < 500, req);
          const tap = hooks.tapOf(req);
          if (tap) copyInto(tap, proxyRes);
        });
        proxyServer.on('error', (error, req, res) => {
          if ((req as Attempted)[OVER_LIMIT]) return; // answered with a 413 already
          if (mayResend(req, res as ServerResponse, error)) {
            (req as Attempted)[RESENT] = ((req as Attempted)[RESENT] ?? 0) + 1;
            void middleware(req, res as ServerResponse); // on another connection
            return;
          }
          hooks.onUpstreamResult(false, req);
          hooks.tapOf(req)?.done(undefined, (error as Error).message);
          const out = res as ServerResponse;
          if (!('setHeader' in out)) return; // a socket (upgrade): nothing to answer on
          if (out.headersSent) {
            out.destroy();
            return;
          }
          const problem = new UpstreamUnavailableError(name, (error as Error).message);
          out.writeHead(problem.status, { 'content-type': 'application/json' });
          out.end(JSON.stringify({ ...problem.toJSON(), requestId: hooks.requestIdOf(req) }));
        });
      },
    ],
  });
  return (req, res) => void middleware(req, res);

  /** Stops sending the body (the upstream never gets its end) and answers 413. */
  function stopOverLimit(req: Attempted, res: ServerResponse, limit: number, bytes: number) {
    req[OVER_LIMIT] = true;
    req.unpipe();
    req[UPSTREAM_REQUEST]?.destroy();
    if (res.headersSent) return void res.destroy();
    const problem = new RequestTooLargeError(limit, bytes);
    res.writeHead(problem.status, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ ...problem.toJSON(), requestId: hooks.requestIdOf(req) }));
  }
}

/** The target in url.parse's shape, built once (http-proxy parses a string target per request). */
function parsedOnce(target: string): Partial<Url> {
  const url = new URL(target);
  return {
    protocol: url.protocol,
    host: url.host,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'), // an IPv6 address without its brackets
    port: url.port || null,
    pathname: url.pathname,
    path: url.pathname + url.search,
    href: url.href,
  };
}

const ON_REUSED_SOCKET = Symbol('ficus.onReusedSocket');
const ANSWERED = Symbol('ficus.answered');
const RESENT = Symbol('ficus.resent');
const UPSTREAM_REQUEST = Symbol('ficus.upstreamRequest');
const OVER_LIMIT = Symbol('ficus.overLimit');
/** What the handlers note on a request (symbols: nothing else on it is touched). */
type Attempted = IncomingMessage & {
  [ON_REUSED_SOCKET]?: boolean;
  [ANSWERED]?: boolean;
  [RESENT]?: number;
  [UPSTREAM_REQUEST]?: ClientRequest;
  [OVER_LIMIT]?: boolean;
};

const RESENDABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const CLOSED_UNDER_IT = new Set(['ECONNRESET', 'EPIPE']);
const MAX_RESENDS = 2;

/** A bodiless idempotent request whose kept-alive connection was closed before any answer. */
function mayResend(req: Attempted, res: ServerResponse, error: Error): boolean {
  return (
    req[ON_REUSED_SOCKET] === true &&
    !req[ANSWERED] &&
    (req[RESENT] ?? 0) < MAX_RESENDS &&
    RESENDABLE_METHODS.has(req.method ?? '') &&
    !hasBody(req) &&
    CLOSED_UNDER_IT.has((error as NodeJS.ErrnoException).code ?? '') &&
    'setHeader' in res &&
    !res.headersSent
  );
}

function copyInto(tap: Tap, proxyRes: IncomingMessage): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = Number(proxyRes.headers['content-length']) > tap.maxBytes;
  if (!over) {
    proxyRes.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > tap.maxBytes) {
        over = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
  }
  proxyRes.on('end', () => {
    if (over) return tap.done(undefined, 'body_too_large');
    tap.done({
      status: proxyRes.statusCode ?? 502,
      headers: proxyRes.headers,
      body: Buffer.concat(chunks, size),
      latencyMs: performance.now() - tap.started,
    });
  });
  proxyRes.on('aborted', () => tap.done(undefined, 'aborted'));
}
