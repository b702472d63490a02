/**
 * The proxy fleet, judged: pure rules over what the proxies report in the kit DB
 * (proxy-fleet-store.ts); the proxy side is proxy/fleet/proxy-registration.ts. Each proxy renews a lease every HEARTBEAT_MS with the stage it routes
 * each service by; the control plane counts it while the lease holds, and a stage change is done
 * when every live proxy routes by it. A proxy whose lease lapsed is dropped from the count: it
 * crashed, or cannot reach the kit DB (and then it cannot read a hold either).
 */
/** A stage as a proxy routes by it (plan/stages.ts `RoutedStage`; lib sits below plan). */
export type RoutedStage = { stage: string; percent: number };

export type ProxyReport = {
  proxyId: string;
  host: string;
  pid: number;
  version: string;
  /** the public side; null until it listens */
  url: string | null;
  adminUrl: string;
  /** service -> the stage it routes by */
  stages: Record<string, RoutedStage>;
  /** when it last had an answer from Unleash; null: never (it routes by its backup or `legacy`) */
  stagesReadAt: Date | null;
  heartbeatAt: Date;
  leaseExpiresAt: Date;
};

/** How often a proxy renews its lease, and how long the lease holds. */
export const PROXY_HEARTBEAT_MS = 1_000;
export const PROXY_LEASE_MS = 10_000;

export const isLiveProxy = (proxy: ProxyReport, now: Date) =>
  proxy.leaseExpiresAt.getTime() > now.getTime();

export const liveProxies = (proxies: ProxyReport[], now: Date) =>
  proxies.filter((p) => isLiveProxy(p, now));

export const sameStage = (a: RoutedStage | undefined, b: RoutedStage) =>
  a !== undefined && a.stage === b.stage && (a.stage !== 'canary' || a.percent === b.percent);

export const shownStage = (s: RoutedStage) =>
  s.stage === 'canary' ? `canary ${s.percent}%` : s.stage;

/** Which live proxies route `service` by `state`, and which do not yet (with what they use). */
export function propagation(
  proxies: ProxyReport[],
  service: string,
  state: RoutedStage,
  now: Date,
): { reached: ProxyReport[]; missing: ProxyReport[] } {
  const live = liveProxies(proxies, now);
  return {
    reached: live.filter((p) => sameStage(p.stages[service], state)),
    missing: live.filter((p) => !sameStage(p.stages[service], state)),
  };
}

/** One line per proxy for `ficus status`. */
export type ProxyStatus = {
  id: string;
  url: string | null;
  adminUrl: string;
  version: string;
  /** service -> `legacy`, `canary 5%`, ... */
  routesBy: Record<string, string>;
  stagesReadAgeMs: number | null;
  heartbeatAgeMs: number;
  leaseExpiresInMs: number;
};

export function proxyStatus(proxy: ProxyReport, now: Date): ProxyStatus {
  const age = (d: Date) => Math.max(0, now.getTime() - d.getTime());
  return {
    id: proxy.proxyId,
    url: proxy.url,
    adminUrl: proxy.adminUrl,
    version: proxy.version,
    routesBy: Object.fromEntries(
      Object.entries(proxy.stages).map(([service, s]) => [service, shownStage(s)]),
    ),
    stagesReadAgeMs: proxy.stagesReadAt ? age(proxy.stagesReadAt) : null,
    heartbeatAgeMs: age(proxy.heartbeatAt),
    leaseExpiresInMs: proxy.leaseExpiresAt.getTime() - now.getTime(),
  };
}

/** The live proxies of the fleet, for `ficus status`, newest registration order by id. */
export const fleetStatus = (proxies: ProxyReport[], now: Date): ProxyStatus[] =>
  liveProxies(proxies, now).map((p) => proxyStatus(p, now));

/** A write hold as recorded in the kit DB; `holdId` tells one cut-over's hold from the next. */
export type RecordedHold = {
  service: string;
  holdId: string;
  boundMs: number;
  expiresInMs: number;
};

/**
 * What a proxy does with the holds recorded in the kit DB: take each active one it does not hold
 * yet (it started, or was not reached, during a cut-over), except those it was already released
 * from (a renewal that read the row just before the cut-over deleted it must not hold again). It
 * never releases on its own account here: the cut-over releases each proxy once the flip has
 * reached it, and a hold nobody releases ends at its expiry.
 */
export function holdsToTake(
  recorded: RecordedHold[],
  heldId: (service: string) => string | undefined,
  released: ReadonlySet<string>,
): RecordedHold[] {
  return recorded.filter(
    (h) => h.expiresInMs > 0 && !released.has(h.holdId) && heldId(h.service) !== h.holdId,
  );
}
