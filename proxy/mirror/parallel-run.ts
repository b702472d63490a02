/**
 * The parallel run of one read: the monolith answers the client (streamed, copied on the way by
 * a bounded tap) while the same read goes to the service; when both are in, they are compared,
 * recorded and counted. The client never waits for the service. What is not mirrored is counted
 * with its reason. During calibration the read also goes to the monolith a second time, and
 * what differs between the monolith and itself is learned as noise.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compareAnswers, type ComparisonResult } from '../compare/compare-responses.ts';
import { redactDifferences } from '../compare/redact.ts';
import type { ProxyContext } from '../proxy-context.ts';
import { serveStream } from '../respond.ts';
import type { MigratedRoute } from '../routing/route-table.ts';
import type { ComparisonRecord } from '../store/comparison-recorder.ts';
import {
  bufferedRequest,
  type TimedAnswer,
  type UpstreamRequestError,
} from '../upstream/buffered-request.ts';
import { bodilessCopy, hasBody } from '../upstream/upstream-headers.ts';

type Side = { answer?: TimedAnswer; error?: string };

const settle = (p: Promise<TimedAnswer>): Promise<Side> =>
  p.then(
    (answer) => ({ answer }),
    (error: UpstreamRequestError) => ({ error: error.reason ?? String(error) }),
  );

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
  const breaker = ctx.breakers.for(route.service);
  if (!breaker.allow()) {
    slot.release();
    return skip('circuit_open');
  }
  const { mirror } = ctx.config;
  const info = ctx.requests.get(req)!;
  const side = (upstream: ProxyContext['monolith']) =>
    settle(
      bufferedRequest({
        base: upstream.url,
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: bodilessCopy(req.headers, { 'x-ficus-mirror': '1' }),
        timeoutMs: mirror.timeoutMs,
        maxBytes: mirror.maxBodyBytes,
        agent: upstream.agent,
      }),
    );
  const serviceSide = side(ctx.services[route.service]);
  const again = ctx.noise.wantsCalibration(route.id) ? side(ctx.monolith) : undefined;
  const legacySide = new Promise<Side>((resolve) => {
    let settled = false;
    const done = (answer?: TimedAnswer, error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      resolve(answer ? { answer } : { error: error ?? 'no_answer' });
    };
    // A client that goes away mid-answer must not keep the mirror slot forever.
    const guard = setTimeout(() => done(undefined, 'timeout'), mirror.timeoutMs + 30_000);
    info.tap = { maxBytes: mirror.maxBodyBytes, started: info.started, done };
  });
  serveStream(ctx, req, res, 'monolith');
  const askBothAgain = () => Promise.all([side(ctx.monolith), side(ctx.services[route.service])]);
  void Promise.all([legacySide, serviceSide, again])
    .then(([legacy, service, calibration]) =>
      conclude(ctx, req, route, info.id, legacy, service, calibration, askBothAgain),
    )
    .catch((error) => ctx.log.error('comparison failed', { route: route.id, error: String(error) }))
    .finally(() => slot.release());
}

async function conclude(
  ctx: ProxyContext,
  req: IncomingMessage,
  route: MigratedRoute,
  requestId: string,
  legacy: Side,
  service: Side,
  calibration: Side | undefined,
  askBothAgain: () => Promise<[Side, Side]>,
): Promise<void> {
  if (legacy.error === 'body_too_large' || service.error === 'too_large')
    return ctx.metrics.mirrorSkip(route.id, 'body_too_large');
  const breaker = ctx.breakers.for(route.service);
  if (service.answer && service.answer.status < 500) breaker.success();
  else breaker.failure();
  const rules = ctx.rules.get(route.id)!;
  if (calibration?.answer && legacy.answer) {
    const learned = ctx.noise.learn(
      route.id,
      compareAnswers(legacy.answer, calibration.answer, rules.compare).differences,
    );
    if (learned.length) ctx.onNoiseLearned(route.id, learned);
  }
  const compare = (a: Side, b: Side) =>
    a.answer && b.answer
      ? compareAnswers(a.answer, b.answer, rules.compare, ctx.noise.noiseOf(route.id))
      : undefined;
  let result: ComparisonResult | undefined = compare(legacy, service);
  if (result?.outcome === 'mismatch' && ctx.config.mirror.recheckAfterMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, ctx.config.mirror.recheckAfterMs));
    const again = compare(...(await askBothAgain()));
    if (again?.outcome === 'match') {
      // The sides agree once the sync has caught up: lag, not a difference. Counted apart.
      ctx.metrics.comparison(route.id, 'converged');
      result = again;
    }
  }
  const record: ComparisonRecord = {
    requestId,
    service: route.service,
    route: route.id,
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    outcome: result?.outcome ?? 'error',
    legacyStatus: legacy.answer?.status,
    serviceStatus: service.answer?.status,
    legacyMs: legacy.answer?.latencyMs,
    serviceMs: service.answer?.latencyMs,
    differences: result ? redactDifferences(result.differences, rules.redact) : [],
    legacyError: legacy.error,
    serviceError: service.error,
  };
  ctx.metrics.comparison(route.id, record.outcome);
  if (record.outcome !== 'match') ctx.mismatches.add(record);
  ctx.recorder?.record(record);
}
