/**
 * The bits of one proxy's admin API the control plane drives: hold and release a service's writes,
 * read what each route's stage and in-flight writes are, read the stages it routes by and tell it
 * to read them from Unleash now. The fleet of proxies is proxy-fleet-client.ts.
 */
import { FicusError } from '../lib/errors.ts';
import { loadConfig, required, type FicusConfig } from '../lib/config/index.ts';
import type { StageState } from '../plan/stages.ts';

export type RouteState = {
  route: string;
  service: string;
  stage: string;
  percent: number;
  writesHeld: boolean;
  writesInFlight: number;
};

export type RecentMismatch = {
  route: string;
  differences: { path: string; legacy?: unknown; service?: unknown }[];
};

export type ProxyStages = { stages: Record<string, StageState>; readAt: string | null };

/** A proxy's answer to a pushed stage change (proxy/server/admin-app.ts, fetch-until.ts). */
export type PushAnswer = ProxyStages & {
  /** its flags showed the expected stage within the bound */
  seen: boolean;
  /** a newer push for the service took over the wait */
  superseded: boolean;
  fetches: number;
  lastError: string | null;
  /** Unleash's revision of the flags it holds */
  revision: number | null;
};

/** The slack the HTTP call gets beyond the proxy's own bound (its last fetch, the answer). */
const PUSH_SLACK_MS = 4000;

export function proxyAdmin(options: { url: string; token: string }) {
  const call = async (method: string, path: string, body?: unknown, timeoutMs = 5000) => {
    const response = await fetch(options.url + path, {
      method,
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (!response.ok)
      throw new FicusError(
        'proxy_admin_failed',
        `proxy admin ${method} ${path}: ${response.status} ${text.slice(0, 200)}`,
        { retriable: response.status >= 500 },
      );
    return JSON.parse(text);
  };
  return {
    url: options.url,
    hold: (service: string, boundMs: number, expiresInMs: number, holdId?: string) =>
      call('POST', `/admin/services/${service}/hold-writes`, { boundMs, expiresInMs, holdId }),
    release: (service: string, holdId?: string) =>
      call('POST', `/admin/services/${service}/release-writes`, { holdId }),
    stages: (): Promise<ProxyStages> => call('GET', '/admin/stages'),
    /**
     * pushes a stage change: the proxy reads the stages from Unleash now and again until `service`
     * is at `state`, for at most `waitMs` (a newer push for the service ends the wait)
     */
    refresh: (service: string, state: StageState, waitMs: number): Promise<PushAnswer> =>
      call(
        'POST',
        '/admin/flags/refresh',
        { service, ...state, timeoutMs: waitMs },
        waitMs + PUSH_SLACK_MS,
      ),
    routes: async (service: string): Promise<RouteState[]> =>
      ((await call('GET', '/admin/routes')).routes as RouteState[]).filter(
        (r) => r.service === service,
      ),
    mismatches: async (limit: number): Promise<RecentMismatch[]> =>
      (await call('GET', `/admin/mismatches?limit=${limit}`)).mismatches,
    /** the lag-aware compare rule: recheck a differing read after `ms` (see proxy/config.ts) */
    setRecheck: (ms: number) => call('PUT', '/admin/mirror', { recheckAfterMs: ms }),
  };
}

export type ProxyAdmin = ReturnType<typeof proxyAdmin>;

/** The proxy's admin API as the configuration gives it (`proxy.adminUrl`, `proxy.adminToken`). */
export function configuredProxyAdmin(config: FicusConfig = loadConfig()): ProxyAdmin {
  return proxyAdmin({
    url: config.proxy.adminUrl,
    token: required(config, 'proxy.adminToken', config.proxy.adminToken),
  });
}
