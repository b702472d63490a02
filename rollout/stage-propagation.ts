/**
 * A stage change reaching the fleet: after Unleash has the new stage, ficus tells every live proxy
 * which stage to expect (push, POST /admin/flags/refresh with service, stage and percent): the
 * proxy fetches from Unleash itself, so Unleash stays the source of truth, and again with backoff
 * until its flags show that stage (Unleash's client API lags a change by up to a second), and
 * answers with the stages it routes by. Without push, or when a proxy does not answer it or did not
 * see the stage within the bound, ficus reads its stages (GET /admin/stages) until the deadline:
 * the proxy's own polling of Unleash may still get there.
 * The time from the change to the last proxy routing by it is measured. A proxy that does not get
 * there in time is named with the time its lease expires: until then it counts, after that it is
 * dropped from the fleet. Never throws: the change is made; this says who has it.
 */
import { sleep } from '../lib/wait.ts';
import { sameStage, shownStage } from '../lib/proxy-fleet/proxy-fleet.ts';
import type { StageState } from '../plan/stages.ts';
import type { FleetMember, ProxyFleet } from './proxy-fleet-client.ts';

export type Propagation = {
  service: string;
  to: StageState;
  pushed: boolean;
  /** the live proxies at the change */
  proxies: number;
  reached: { id: string; ms: number }[];
  missing: {
    id: string;
    adminUrl: string;
    routesBy: string | null;
    leaseExpiresAt: string | null;
  }[];
  /** from the change to the last proxy routing by it; null when one did not */
  lastMs: number | null;
};

export type PropagationOptions = {
  /** when Unleash accepted the change (Date.now()) */
  changedAt: number;
  push?: boolean;
  timeoutMs?: number;
  intervalMs?: number;
};

/** The proxy's bound for a push (proxy/server/admin-app.ts). */
const MAX_PUSH_WAIT_MS = 60_000;

type Outcome = { member: FleetMember; ms: number | null; routesBy: StageState | null };

async function reachOne(
  member: FleetMember,
  service: string,
  to: StageState,
  options: Required<PropagationOptions>,
): Promise<Outcome> {
  const deadline = options.changedAt + options.timeoutMs;
  let routesBy: StageState | null = null;
  const reached = (stages: Record<string, StageState>) => {
    routesBy = stages[service] ?? null;
    return sameStage(stages[service], to);
  };
  if (options.push) {
    // the proxy re-fetches until it sees `to` (or our deadline): its answer is the confirmation
    const waitMs = Math.max(1, Math.min(MAX_PUSH_WAIT_MS, deadline - Date.now()));
    const pushed = await member.admin.refresh(service, to, waitMs).catch(() => null);
    if (pushed && reached(pushed.stages))
      return { member, ms: Date.now() - options.changedAt, routesBy };
  }
  // not pushed, not answered, or not seen within the bound: its own polling may still get there
  while (Date.now() < deadline) {
    const seen = await member.admin.stages().catch(() => null);
    if (seen && reached(seen.stages))
      return { member, ms: Date.now() - options.changedAt, routesBy };
    await sleep(options.intervalMs);
  }
  return { member, ms: null, routesBy };
}

/** Waits until every live proxy routes `service` by `to`, or the bound; says who did and did not. */
export async function awaitPropagation(
  fleet: ProxyFleet,
  service: string,
  to: StageState,
  options: PropagationOptions,
): Promise<Propagation> {
  const full = {
    changedAt: options.changedAt,
    push: options.push ?? true,
    timeoutMs: options.timeoutMs ?? 15_000,
    intervalMs: options.intervalMs ?? 50,
  };
  const members = await fleet.members();
  const outcomes = await Promise.all(members.map((m) => reachOne(m, service, to, full)));
  return summarize(service, to, full.push, outcomes);
}

export function summarize(
  service: string,
  to: StageState,
  pushed: boolean,
  outcomes: Outcome[],
): Propagation {
  const reached = outcomes.flatMap((o) => (o.ms === null ? [] : [{ id: o.member.id, ms: o.ms }]));
  const missing = outcomes
    .filter((o) => o.ms === null)
    .map((o) => ({
      id: o.member.id,
      adminUrl: o.member.adminUrl,
      routesBy: o.routesBy ? shownStage(o.routesBy) : null,
      leaseExpiresAt: o.member.leaseExpiresAt?.toISOString() ?? null,
    }));
  return {
    service,
    to,
    pushed,
    proxies: outcomes.length,
    reached,
    missing,
    lastMs: missing.length ? null : Math.max(0, ...reached.map((r) => r.ms)),
  };
}

/** `catalog live reached all 3 proxies in 142 ms (pushed)`, or who did not and until when. */
export function describePropagation(p: Propagation): string {
  const head = `${p.service} ${shownStage(p.to)}`;
  const how = p.pushed ? 'pushed' : 'polled';
  if (!p.missing.length)
    return `${head} reached all ${p.proxies} prox${p.proxies === 1 ? 'y' : 'ies'} in ${p.lastMs} ms (${how})`;
  const each = p.missing.map(
    (m) =>
      `${m.id} at ${m.adminUrl} (routes by ${m.routesBy ?? 'unknown: admin API unreachable'}${m.leaseExpiresAt ? `; dropped from the fleet when its lease expires at ${m.leaseExpiresAt}` : ''})`,
  );
  return `${head} reached ${p.reached.length} of ${p.proxies} proxies (${how}); not routing by it: ${each.join(', ')}`;
}
