/**
 * The parallel run of one read: the monolith answers the client (streamed, copied on the way by
 * a bounded tap), then the same read goes to the service; when both are in, they are compared,
 * recorded and counted. The client never waits for the service. What is not mirrored is counted
 * with its reason. During calibration the read also goes to the monolith a second time, and
 * what differs between the monolith and itself is learned as noise.
 *
 * The service is asked once the monolith has answered, not at the same time: the client's
 * request then never shares the machine with its mirrored copy, and the two reads are still
 * only the monolith's latency and a batch's wait (at most 10 ms, mirror-pool.ts) apart (a
 * difference from sync lag is rechecked anyway).
 * The mirrored HTTP and the parse, compare and redact run in a mirror worker (mirror-pool.ts):
 * on this event loop, which serves every client, a mirrored read costs one
 * message each way. The decisions and the accounting (limiter, breaker, noise, metrics,
 * recorder) stay here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { redactText } from '../compare/credential-patterns.ts';
import type { ProxyContext } from '../proxy-context.ts';
import type { CallPermit } from '../resilience/circuit-breaker.ts';
import { serveStream } from '../respond.ts';
import type { MigratedRoute } from '../routing/route-table.ts';
import type { ComparisonRecord } from '../store/comparison-recorder.ts';
import type { TimedAnswer } from '../upstream/buffered-request.ts';
import { bodilessCopy, hasBody } from '../upstream/upstream-headers.ts';
import type { Side } from './judge-sides.ts';
import type { MirroredRead, SideSummary } from './mirror-messages.ts';
import type { Judged } from './mirror-pool.ts';
import { createDeadlineSweep } from './deadline-sweep.ts';
import type { MirrorSlot } from './mirror-limiter.ts';

export function startParallelRun(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: MigratedRoute,
): void {
  const skip = (reason: string) => {
    ctx.metrics.mirrorSkip(route.id, reason);
    serveStream(ctx, req, res, 'monolith');
  };
  if (hasBody(req)) return skip('request_body');
  const slot = ctx.limiter.acquire();
  if (typeof slot === 'string') return skip(slot);
  const permit = ctx.breakers.for(route.service).allow();
  if (!permit) {
    slot.release();
    return skip('circuit_open');
  }
  const { mirror } = ctx.config;
  const info = ctx.requests.get(req)!;
  // What the mirror needs of the request, taken now: nothing below may hold on to `req`. The
  // tap hangs off the request's WeakMap entry; when it led back to the request (the entry's key),
  // every mirrored request survived the young-generation collections, which took 10-16 ms each
  // instead of under 1 ms (docs/decisions/0004).
  const readAt = Date.now();
  const read: MirroredRead = {
    route: route.id,
    service: route.service,
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers: bodilessCopy(req.headers, { 'x-ficus-mirror': '1' }),
  };
  const calibrate = ctx.noise.wantsCalibration(route.id);
  // Plain callbacks from the tap to the conclusion, no promise of its own: on this event loop
  // every hop of a mirrored read is paid by the clients (decision 0004).
  let settled = false;
  const legacyDone = (answer?: TimedAnswer, error?: string) => {
    if (settled) return;
    settled = true;
    info.tap = undefined;
    cancelGuard();
    const legacy: Side = answer ? { answer } : { error: error ?? 'no_answer' };
    void compareWithService(ctx, read, { requestId: info.id, readAt }, legacy, calibrate, {
      permit,
      slot,
    });
  };
  // A client that goes away mid-answer must not keep the mirror slot forever.
  const cancelGuard = guards.add(mirror.timeoutMs + 30_000, () => legacyDone(undefined, 'timeout'));
  info.tap = { maxBytes: mirror.maxBodyBytes, started: info.started, done: legacyDone };
  serveStream(ctx, req, res, 'monolith');
}

/** One timer for the guards of all reads in flight, not one each (deadline-sweep.ts). */
const guards = createDeadlineSweep(1000);

async function compareWithService(
  ctx: ProxyContext,
  read: MirroredRead,
  at: { requestId: string; readAt: number },
  legacy: Side,
  calibrate: boolean,
  { permit, slot }: { permit: CallPermit; slot: MirrorSlot },
): Promise<void> {
  try {
    // Nothing to compare an answer over the limit with: the service need not be asked.
    if (legacy.error === 'body_too_large') return ctx.metrics.mirrorSkip(read.route, legacy.error);
    // Only now, with the client answered, is the service asked: its work never competes with
    // the client's own request.
    const { answer, error } = legacy;
    const summary = { status: answer?.status, latencyMs: answer?.latencyMs, error };
    const judged = await ctx.mirror.judge(read, legacy, calibrate, ctx.noise.noiseOf(read.route));
    await conclude(ctx, read, at, summary, judged, permit);
  } catch (error) {
    ctx.log.error('comparison failed', { route: read.route, error: String(error) });
  } finally {
    // Whatever way the run ended: a read that reported no outcome for the service (an answer
    // over the limit, a failed comparison) gives the breaker's permit back. It may be the one
    // half-open trial, and in shadow nothing else would ever report for the service.
    permit.release();
    slot.release();
  }
}

/** Counts and records the read, after a recheck when the sides differ. */
async function conclude(
  ctx: ProxyContext,
  read: MirroredRead,
  { requestId, readAt }: { requestId: string; readAt: number },
  legacy: SideSummary,
  judged: Judged,
  permit: CallPermit,
): Promise<void> {
  const { service } = judged;
  if (service.error === 'too_large') return ctx.metrics.mirrorSkip(read.route, 'body_too_large');
  if (service.status !== undefined && service.status < 500) permit.success();
  else permit.failure();
  if (judged.calibration.length) {
    const learned = ctx.noise.learn(read.route, judged.calibration);
    if (learned.length) ctx.onNoiseLearned(read.route, learned);
  }
  let result = judged.result;
  if (result?.outcome === 'mismatch' && ctx.config.mirror.recheckAfterMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, ctx.config.mirror.recheckAfterMs));
    const again = await ctx.mirror.recheck(read, ctx.noise.noiseOf(read.route));
    if (again?.outcome === 'match') {
      // The sides agree once the sync has caught up: lag, not a difference. Counted apart.
      ctx.metrics.comparison(read.route, 'converged');
      result = again;
    }
  }
  const record: ComparisonRecord = {
    requestId,
    readAt,
    service: read.service,
    route: read.route,
    method: read.method,
    // a query string can carry a credential (`?access_token=`) as much as a header can
    url: redactText(read.path),
    outcome: result?.outcome ?? 'error',
    legacyStatus: legacy.status,
    serviceStatus: service.status,
    legacyMs: legacy.latencyMs,
    serviceMs: service.latencyMs,
    differences: result?.differences ?? [],
    legacyError: legacy.error,
    serviceError: service.error,
  };
  ctx.metrics.comparison(read.route, record.outcome);
  if (record.outcome !== 'match') ctx.mismatches.add(record);
  ctx.recorder?.record(record);
}
