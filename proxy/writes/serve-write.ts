/**
 * A write on a migrated route: it waits while the service's writes are held for a cut-over
 * (bounded; past the bound 503 + Retry-After, the client keeps its write and may send it again),
 * then goes, streamed and never retried, to whoever owns writes at the stage seen *after* the
 * hold: the cut-over flips the stage before it releases the writes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { refuse, serveStream } from '../respond.ts';
import { WritesHeldError } from '../proxy-errors.ts';
import type { ProxyContext } from '../proxy-context.ts';
import type { MigratedRoute } from '../routing/route-table.ts';
import { decide } from '../routing/decide.ts';

export async function serveWrite(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: MigratedRoute,
): Promise<void> {
  const info = ctx.requests.get(req)!;
  if (ctx.holds.isHeld(route.service)) {
    // The body stays unread in the socket while we wait; nothing is buffered.
    req.pause();
    const admission = await ctx.holds.admit(route.service);
    if (!admission.admitted) {
      ctx.metrics.heldWrite(route.service, 'refused');
      const error = new WritesHeldError(
        route.service,
        admission.waitedMs,
        admission.retryAfterSeconds,
      );
      res.setHeader('connection', 'close');
      return refuse(res, error, info, { 'retry-after': String(admission.retryAfterSeconds) });
    }
    ctx.metrics.heldWrite(route.service, 'released');
  }
  const decision = decide(ctx.stages.stateOf(route.service), false, () => false);
  // Counted from here (same tick as the hold check) until the answer is sent or the client left.
  const done = ctx.holds.begin(route.service);
  res.once('finish', done);
  res.once('close', done);
  serveStream(ctx, req, res, decision.serve === 'service' ? route.service : 'monolith');
}
