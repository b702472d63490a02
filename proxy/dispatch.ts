/**
 * The request path: give the request an id, settle at the edge what it is (its canonical target
 * and route, or a 400), add its forwarding headers, ask the stage what to do, and hand it to the
 * one module that does it. Requests outside the plan go to the monolith streamed, with their
 * canonical target; nothing here waits on Unleash or the kit DB.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveCanaryRead } from './routing/canary-read.ts';
import { decide } from './routing/decide.ts';
import { requestIdentity } from './routing/request-identity.ts';
import { admitRequest } from './routing/request-edge.ts';
import { startParallelRun } from './mirror/parallel-run.ts';
import { RequestTooLargeError } from './proxy-errors.ts';
import type { ProxyContext, RequestInfo } from './proxy-context.ts';
import { refuse, serveStream } from './respond.ts';
import { addForwarded, stripHopByHop } from './upstream/forward-headers.ts';
import { serveWrite } from './writes/serve-write.ts';

const SANE_ID = /^[\w.:/+=-]{1,200}$/;

export function createDispatcher(ctx: ProxyContext) {
  return function dispatch(req: IncomingMessage, res: ServerResponse): void {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && SANE_ID.test(incoming) ? incoming : randomUUID();
    req.headers['x-request-id'] = id;
    res.setHeader('x-request-id', id);
    const admitted = admitRequest(req, ctx.routes);
    const route = admitted.route;
    addForwarded(stripHopByHop(req.headers), {
      remoteAddress: req.socket.remoteAddress,
      localPort: req.socket.localPort,
      encrypted: 'encrypted' in req.socket && Boolean(req.socket.encrypted),
    });
    const info: RequestInfo = {
      id,
      route: route?.id ?? 'unmatched',
      backend: 'monolith',
      started: performance.now(),
    };
    ctx.requests.set(req, info);
    res.once('finish', () =>
      ctx.metrics.request(
        info.route,
        info.backend,
        res.statusCode,
        (performance.now() - info.started) / 1000,
      ),
    );

    if (admitted.refused) {
      // Its body, if any, is not read: the connection is closed after the answer.
      res.setHeader('connection', 'close');
      return refuse(res, admitted.refused, info);
    }
    if (!route) return serveStream(ctx, req, res, 'monolith');
    info.maxBodyBytes = ctx.config.maxRequestBytes;
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > ctx.config.maxRequestBytes) {
      // Read nothing more of it; the connection is closed after the answer.
      res.setHeader('connection', 'close');
      return refuse(res, new RequestTooLargeError(ctx.config.maxRequestBytes, length), info);
    }
    if (!route.read) return void serveWrite(ctx, req, res, route);

    const state = ctx.stages.stateOf(route.service);
    const decision = decide(state, true, () => {
      const who = requestIdentity(req.headers, req.socket.remoteAddress, {
        source: ctx.config.identity,
        sessionCookie: ctx.config.sessionCookie,
      });
      return ctx.stages.inCanary(route.service, who.key);
    });
    if (decision.serve === 'service') {
      return decision.fallback
        ? void serveCanaryRead(ctx, req, res, route)
        : serveStream(ctx, req, res, route.service);
    }
    if (decision.mirror) return startParallelRun(ctx, req, res, route);
    serveStream(ctx, req, res, 'monolith');
  };
}
