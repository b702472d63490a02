/**
 * The admin API, on its own port, every route behind a bearer token (401 without it or with a
 * wrong one): the migrated routes with their stage and counters, recent mismatches, holding and
 * releasing a service's writes for a cut-over, flag sync state, and Prometheus metrics.
 */
import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { ProxyContext } from '../proxy-context.ts';
import { UnknownServiceError } from '../../plan/unknown-service-error.ts';
import { FicusError } from '../../lib/errors.ts';
import { isStage, STAGES } from '../../plan/stages.ts';
import { sameStage } from '../../lib/proxy-fleet/proxy-fleet.ts';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bounded(value: unknown, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new FicusError('invalid_request', `${name} must be an integer between 1 and ${max}`, {
      status: 400,
    });
  return n;
}

function holdIdOf(body: { holdId?: unknown } | undefined): string | undefined {
  return typeof body?.holdId === 'string' && body.holdId ? body.holdId.slice(0, 100) : undefined;
}

/** The stage a push expects (`{ service, stage, percent }`), or null for a plain refresh. */
function expectedStage(body: Record<string, unknown> | undefined) {
  if (typeof body?.service !== 'string') return null;
  if (!isStage(body.stage))
    throw new FicusError('invalid_request', `stage must be one of ${STAGES.join(', ')}`, {
      status: 400,
    });
  const percent = body.percent ?? 0;
  if (!Number.isInteger(percent) || (percent as number) < 0 || (percent as number) > 100)
    throw new FicusError('invalid_request', 'percent must be an integer from 0 to 100', {
      status: 400,
    });
  return { service: body.service, stage: body.stage, percent: percent as number };
}

/** How long a push may keep the proxy re-fetching: the control plane's own wait, at most this. */
const MAX_PUSH_WAIT_MS = 60_000;

export function createAdminApp(ctx: ProxyContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  app.use((req, res, next) => {
    const header = req.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (token && sameToken(token, ctx.config.adminToken)) return next();
    res.setHeader('www-authenticate', 'Bearer realm="ficus-proxy-admin"');
    res.status(401).json({
      error: 'unauthorized',
      message: 'the admin API needs `Authorization: Bearer <FICUS_PROXY_ADMIN_TOKEN>`',
    });
  });
  app.use(express.json({ limit: '16kb' }));

  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', ctx.metrics.registry.contentType);
    res.end(await ctx.metrics.registry.metrics());
  });
  app.get('/admin/routes', (_req, res) => {
    const breakers = ctx.breakers.states();
    res.json({
      flags: ctx.stages.status(),
      routes: ctx.routes.routes.map((r) => ({
        route: r.id,
        service: r.service,
        method: r.method,
        path: r.path,
        ...ctx.stages.stateOf(r.service),
        writesHeld: ctx.holds.isHeld(r.service),
        writesInFlight: ctx.holds.inFlight(r.service),
        circuit: breakers[r.service] ?? 'closed',
        counters: ctx.metrics.countersOf(r.id),
      })),
      unmatched: ctx.metrics.countersOf('unmatched'),
      holds: ctx.holds.list(),
    });
  });
  app.get('/admin/mismatches', (req, res) => {
    const limit = bounded(req.query.limit, 'limit', 50, 200);
    res.json({
      mismatches: ctx.mismatches.list(
        limit,
        typeof req.query.route === 'string' ? req.query.route : undefined,
      ),
    });
  });
  const service = (name: string) => {
    if (!ctx.services[name]) throw new UnknownServiceError(name, Object.keys(ctx.services));
    return name;
  };
  app.post('/admin/services/:service/hold-writes', (req, res) => {
    const name = service(req.params.service);
    const boundMs = bounded(req.body?.boundMs, 'boundMs', 5000, 120_000);
    const expiresInMs = bounded(req.body?.expiresInMs, 'expiresInMs', 60_000, 3_600_000);
    const holdId = holdIdOf(req.body);
    ctx.log.info('holding writes', { service: name, boundMs, expiresInMs, holdId });
    res.json({ hold: ctx.holds.hold(name, boundMs, expiresInMs, holdId) });
  });
  app.post('/admin/services/:service/release-writes', (req, res) => {
    const name = service(req.params.service);
    ctx.log.info('releasing writes', { service: name });
    res.json({ released: ctx.holds.release(name, holdIdOf(req.body)) });
  });
  // What this proxy routes by, and when it last read it from Unleash (the control plane's check).
  const stagesNow = () =>
    Object.fromEntries(Object.keys(ctx.services).map((name) => [name, ctx.stages.stateOf(name)]));
  const readAt = () => {
    const at = ctx.stages.readAt();
    return at === null ? null : new Date(at).toISOString();
  };
  app.get('/admin/stages', (_req, res) => {
    res.json({ proxyId: ctx.registration?.proxyId ?? null, stages: stagesNow(), readAt: readAt() });
  });
  // A pushed stage change: read the stages from Unleash now, again until they show the expected
  // one (Unleash's client API lags a change by up to a second), a bound, or a newer push for the
  // service. `seen: false` says this proxy does not route by it (yet): the control plane names it.
  app.post('/admin/flags/refresh', async (req, res) => {
    const expect = expectedStage(req.body);
    const timeoutMs = bounded(req.body?.timeoutMs, 'timeoutMs', 5000, MAX_PUSH_WAIT_MS);
    if (expect) service(expect.service); // an unknown one is refused before any fetch
    const started = Date.now();
    const result = expect
      ? await ctx.stages.refresh(() => sameStage(ctx.stages.stateOf(expect.service), expect), {
          timeoutMs,
          key: expect.service,
        })
      : await ctx.stages.refresh(undefined, { timeoutMs });
    void ctx.registration?.renewNow();
    if (expect && !result.seen && !result.superseded)
      ctx.log.warn('a pushed stage change was not seen in Unleash within the bound', {
        ...expect,
        ...result,
      });
    res.json({ ...result, ms: Date.now() - started, stages: stagesNow(), readAt: readAt() });
  });
  // The mirror's recheck delay, changeable while the proxy runs (a compare rule for lag).
  app.get('/admin/mirror', (_req, res) => res.json({ mirror: ctx.config.mirror }));
  app.put('/admin/mirror', (req, res) => {
    ctx.config.mirror.recheckAfterMs = bounded(
      req.body?.recheckAfterMs,
      'recheckAfterMs',
      ctx.config.mirror.recheckAfterMs,
      60_000,
    );
    ctx.log.info('mirror settings changed', { recheckAfterMs: ctx.config.mirror.recheckAfterMs });
    res.json({ mirror: ctx.config.mirror });
  });
  app.use(
    (error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      const problem =
        error instanceof FicusError
          ? error
          : new FicusError('invalid_request', String((error as Error).message ?? error), {
              status: (error as { status?: number }).status ?? 500,
            });
      res.status(problem.status).json(problem.toJSON());
    },
  );
  return app;
}
