/**
 * A read that the canary gives to the service. The service's answer is read whole first, so that
 * if it fails (5xx, no answer in time, open circuit) the monolith can still answer instead: the
 * user sees no error, and the fallback is counted. Only safe reads come here; writes never do.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProxyContext } from '../proxy-context.ts';
import { serveStream } from '../respond.ts';
import { bufferedRequest, UpstreamRequestError } from '../upstream/buffered-request.ts';
import { answerHeaders, bodilessCopy, hasBody } from '../upstream/upstream-headers.ts';
import type { MigratedRoute } from './route-table.ts';

/** Canary answers larger than this are not held for a possible fallback; the monolith answers. */
const MAX_HELD_ANSWER = 16 * 1024 * 1024;

export async function serveCanaryRead(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: MigratedRoute,
): Promise<void> {
  const service = ctx.services[route.service];
  // A read with a body cannot be sent twice; it goes to the service, streamed, without a net.
  if (hasBody(req)) return serveStream(ctx, req, res, route.service);
  const fallBack = (reason: string) => {
    ctx.metrics.fallback(route.id, reason);
    serveStream(ctx, req, res, 'monolith');
  };
  const permit = ctx.breakers.for(route.service).allow();
  if (!permit) return fallBack('circuit_open');
  try {
    const answer = await bufferedRequest({
      base: service.url,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: bodilessCopy(req.headers),
      timeoutMs: ctx.config.serviceTimeoutMs,
      maxBytes: MAX_HELD_ANSWER,
      agent: service.agent,
    });
    if (answer.status >= 500) {
      permit.failure();
      ctx.metrics.upstreamError(route.id, route.service, 'status_5xx');
      return fallBack('error_status');
    }
    permit.success();
    if (res.destroyed) return;
    ctx.requests.get(req)!.backend = route.service;
    if (ctx.config.backendHeader) res.setHeader('x-ficus-backend', route.service);
    res.writeHead(answer.status, answerHeaders(answer.headers, answer.body.length));
    res.end(req.method === 'HEAD' ? undefined : answer.body);
  } catch (error) {
    const reason = error instanceof UpstreamRequestError ? error.reason : 'unavailable';
    permit.failure();
    ctx.metrics.upstreamError(route.id, route.service, reason);
    fallBack(reason);
  } finally {
    permit.release(); // settled above on every path; kept so that a new path cannot leak a trial
  }
}
