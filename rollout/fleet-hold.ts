/**
 * The write hold of a cut-over, on every proxy of the fleet. The hold is recorded in the kit DB
 * first (with an expiry), so that a proxy starting now takes it before it serves (proxy/fleet/);
 * then every live proxy is asked to hold and must confirm, and each one's writes under way must
 * have answered, and just before the flip each must still hold (`confirmFleetHold`). A proxy that
 * cannot confirm stops the cut-over, named (FleetHoldFailed); the cut-over then releases what it
 * held (`releaseFleetWrites`).
 */
import { randomUUID } from 'node:crypto';
import { errorMessage, FicusError } from '../lib/errors.ts';
import { sleep, waitFor } from '../lib/wait.ts';
import type { FleetMember, ProxyFleet } from './proxy-fleet-client.ts';

export class FleetHoldFailed extends FicusError {
  constructor(service: string, what: string, failed: { member: FleetMember; why: string }[]) {
    super(
      'fleet_hold_failed',
      `${failed.length} prox${failed.length === 1 ? 'y' : 'ies'} could not ${what} for ${service}: ${failed
        .map(({ member, why }) => `${member.id} at ${member.adminUrl} (${why})`)
        .join(', ')}`,
      { details: { service, proxies: failed.map((f) => f.member.id) } },
    );
  }
}

export type FleetHold = { holdId: string; service: string; members: FleetMember[] };

/** One proxy's answer to `ask`, retried briefly: a proxy that just registered may not listen yet. */
async function askBriefly(ask: () => Promise<void>, retryForMs = 2000): Promise<string | null> {
  const until = Date.now() + retryForMs;
  for (;;) {
    try {
      await ask();
      return null;
    } catch (error) {
      if (Date.now() > until) return errorMessage(error);
      await sleep(200);
    }
  }
}

const failures = (answers: { member: FleetMember; why: string | null }[]) =>
  answers.flatMap((a) => (a.why === null ? [] : [{ member: a.member, why: a.why }]));

export async function holdFleetWrites(
  fleet: ProxyFleet,
  request: { service: string; boundMs: number; expiresInMs: number; heldBy: string },
): Promise<FleetHold> {
  const { service, boundMs, expiresInMs } = request;
  const holdId = randomUUID();
  await fleet.members(); // learns whether the kit DB has a registry
  await fleet.store?.recordHold({ service, holdId, boundMs, expiresInMs, heldBy: request.heldBy });
  const members = await fleet.members();
  const held: FleetHold = { holdId, service, members };
  const failed = failures(
    await Promise.all(
      members.map(async (member) => ({
        member,
        why: await askBriefly(async () => {
          await member.admin.hold(service, boundMs, expiresInMs, holdId);
        }),
      })),
    ),
  );
  if (failed.length) {
    // the proxies that did hold, and the record, are released before the cut-over hears of it
    await releaseFleetWrites(fleet, held, members);
    throw new FleetHoldFailed(service, 'confirm the hold', failed);
  }
  return held;
}

/**
 * Renews the hold (the same id again) on every live proxy and in its record, moving its expiry
 * `expiresInMs` from now: a cut-over slower than the expiry keeps its writes held, and one that
 * dies stops renewing, so the hold still ends by itself. A proxy whose hold is already over does
 * not take it again; it is named.
 */
export async function renewFleetWrites(
  fleet: ProxyFleet,
  hold: FleetHold,
  timing: { boundMs: number; expiresInMs: number },
): Promise<void> {
  await fleet.store?.renewHold(hold.service, hold.holdId, timing.expiresInMs);
  const members = await fleet.members();
  const failed = (
    await Promise.all(
      members.map((member) =>
        member.admin.hold(hold.service, timing.boundMs, timing.expiresInMs, hold.holdId).then(
          () => null,
          (error: unknown) => ({ member, why: errorMessage(error) }),
        ),
      ),
    )
  ).filter((r) => r !== null);
  if (failed.length) throw new FleetHoldFailed(hold.service, 'renew the hold', failed);
}

/** Waits until no proxy of the hold has a write of the service under way. */
export async function awaitWritesAnswered(hold: FleetHold, timeoutMs: number): Promise<void> {
  const busy = new Map<FleetMember, string>();
  try {
    await waitFor(
      `writes under way to ${hold.service} to be answered on every proxy`,
      async () => {
        busy.clear();
        await Promise.all(
          hold.members.map(async (member) => {
            const routes = await member.admin.routes(hold.service).catch((error: unknown) => {
              busy.set(member, errorMessage(error));
              return null;
            });
            const under = routes?.reduce((n, r) => n + r.writesInFlight, 0) ?? 0;
            if (under > 0) busy.set(member, `${under} write(s) still under way`);
          }),
        );
        return busy.size === 0;
      },
      { timeoutMs, intervalMs: 50 },
    );
  } catch {
    const failed = [...busy].map(([member, why]) => ({ member, why }));
    throw new FleetHoldFailed(hold.service, 'answer its writes under way', failed);
  }
}

/**
 * Asks every proxy of the hold, and every live one that joined since, whether it still holds the
 * service's writes: the last look before the flip. A proxy killed (or restarted without the hold)
 * while the writes were held cannot be told the new stage nor released, and the stage change would
 * wait for it while the others' writes stay held past their bound: it stops the cut-over, named,
 * and the cut-over is undone while the monolith still owns the writes. (A proxy restarted by its
 * supervisor during the hold takes the hold from the kit DB as it starts, and confirms.)
 */
export async function confirmFleetHold(fleet: ProxyFleet, hold: FleetHold): Promise<void> {
  const members = new Map(hold.members.map((m) => [m.id, m]));
  for (const member of await fleet.members())
    if (!members.has(member.id)) members.set(member.id, member);
  const failed = failures(
    await Promise.all(
      [...members.values()].map(async (member) => ({
        member,
        why: await askBriefly(async () => {
          const routes = await member.admin.routes(hold.service);
          if (routes.some((r) => !r.writesHeld)) throw new Error('it does not hold them');
        }),
      })),
    ),
  );
  if (failed.length)
    throw new FleetHoldFailed(hold.service, 'confirm it still holds the writes', failed);
}

/**
 * Releases the hold on `members` (default: every live proxy now, so one that joined during the
 * hold is released too) and removes its record; a proxy not reached keeps holding until the
 * hold's expiry. Returns the proxies that could not be released.
 */
export async function releaseFleetWrites(
  fleet: ProxyFleet,
  hold: Pick<FleetHold, 'holdId' | 'service'>,
  members?: FleetMember[],
): Promise<{ member: FleetMember; why: string }[]> {
  await fleet.store?.removeHold(hold.service, hold.holdId);
  const targets = members ?? (await fleet.members());
  const results = await Promise.all(
    targets.map((member) =>
      member.admin.release(hold.service, hold.holdId).then(
        () => null,
        (error: unknown) => ({ member, why: errorMessage(error) }),
      ),
    ),
  );
  return results.filter((r) => r !== null);
}
