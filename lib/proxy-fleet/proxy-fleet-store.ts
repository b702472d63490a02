/**
 * The proxy fleet's state in the kit DB (`proxies`, `write_holds`,
 * migrations/kit/0302_proxy_fleet.ts): each proxy renews its report, the cut-over records and
 * removes its write holds. Times come from the kit DB's clock (`now()`), so leases and hold
 * expiries mean the same to everyone.
 */
import type { Knex } from 'knex';
import {
  PROXY_LEASE_MS,
  type ProxyReport,
  type RecordedHold,
  type RoutedStage,
} from './proxy-fleet.ts';

type ProxyRow = {
  proxy_id: string;
  host: string;
  pid: number;
  version: string;
  url: string | null;
  admin_url: string;
  stages: Record<string, RoutedStage>;
  stages_read_at: Date | null;
  heartbeat_at: Date;
  lease_expires_at: Date;
};

const reportFromRow = (r: ProxyRow): ProxyReport => ({
  proxyId: r.proxy_id,
  host: r.host,
  pid: r.pid,
  version: r.version,
  url: r.url,
  adminUrl: r.admin_url,
  stages: r.stages ?? {},
  stagesReadAt: r.stages_read_at,
  heartbeatAt: r.heartbeat_at,
  leaseExpiresAt: r.lease_expires_at,
});

/** What a proxy reports on each renewal. */
export type ProxyBeat = Omit<ProxyReport, 'heartbeatAt' | 'leaseExpiresAt'>;

export type ProxyFleetStore = ReturnType<typeof proxyFleetStore>;

export function proxyFleetStore(kitDb: Knex, leaseMs = PROXY_LEASE_MS) {
  const now = async (): Promise<Date> =>
    (await kitDb.raw<{ rows: { now: Date }[] }>('SELECT now() AS now')).rows[0].now;

  return {
    /** A proxy's report, its lease renewed from now on the kit DB's clock. */
    async renew(beat: ProxyBeat): Promise<void> {
      await kitDb.raw(
        `INSERT INTO proxies (proxy_id, host, pid, version, url, admin_url, stages, stages_read_at,
                              heartbeat_at, lease_expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?, now(), now() + ? * interval '1 millisecond')
         ON CONFLICT (proxy_id) DO UPDATE
           SET url = excluded.url, admin_url = excluded.admin_url, stages = excluded.stages,
               stages_read_at = excluded.stages_read_at, heartbeat_at = excluded.heartbeat_at,
               lease_expires_at = excluded.lease_expires_at`,
        [
          beat.proxyId,
          beat.host,
          beat.pid,
          beat.version,
          beat.url,
          beat.adminUrl,
          JSON.stringify(beat.stages),
          beat.stagesReadAt,
          leaseMs,
        ],
      );
    },

    async deregister(proxyId: string): Promise<void> {
      await kitDb('proxies').where({ proxy_id: proxyId }).delete();
    },

    /** Reports of proxies whose lease lapsed an hour ago or more: crashed, never coming back. */
    async pruneLapsed(): Promise<void> {
      await kitDb.raw(`DELETE FROM proxies WHERE lease_expires_at < now() - interval '1 hour'`);
    },

    /** Every proxy's report, with the kit DB's time to judge them by. */
    async proxies(): Promise<{ now: Date; proxies: ProxyReport[] }> {
      const [at, rows] = await Promise.all([
        now(),
        kitDb<ProxyRow>('proxies').orderBy('started_at').orderBy('proxy_id'),
      ]);
      return { now: at, proxies: rows.map(reportFromRow) };
    },

    /** Records a hold for every proxy, present and starting; replaces an older one. */
    async recordHold(hold: {
      service: string;
      holdId: string;
      boundMs: number;
      expiresInMs: number;
      heldBy: string;
    }): Promise<void> {
      await kitDb.raw(
        `INSERT INTO write_holds (hold_id, service, bound_ms, held_by, expires_at)
         VALUES (?, ?, ?, ?, now() + ? * interval '1 millisecond')
         ON CONFLICT (service) DO UPDATE
           SET hold_id = excluded.hold_id, bound_ms = excluded.bound_ms,
               held_by = excluded.held_by, held_at = now(), expires_at = excluded.expires_at`,
        [hold.holdId, hold.service, hold.boundMs, hold.heldBy, hold.expiresInMs],
      );
    },

    /** Moves a recorded hold's expiry `expiresInMs` from now (only while it is that hold). */
    async renewHold(service: string, holdId: string, expiresInMs: number): Promise<void> {
      await kitDb('write_holds')
        .where({ service, hold_id: holdId })
        .update({ expires_at: kitDb.raw(`now() + ? * interval '1 millisecond'`, [expiresInMs]) });
    },

    async removeHold(service: string, holdId: string): Promise<void> {
      await kitDb('write_holds').where({ service, hold_id: holdId }).delete();
    },

    /** The holds that have not expired, each with the time it has left. */
    async activeHolds(): Promise<RecordedHold[]> {
      const { rows } = await kitDb.raw<{
        rows: { service: string; hold_id: string; bound_ms: number; left_ms: number }[];
      }>(
        `SELECT service, hold_id, bound_ms,
                floor(extract(epoch FROM expires_at - now()) * 1000)::int AS left_ms
           FROM write_holds WHERE expires_at > now()`,
      );
      return rows.map((r) => ({
        service: r.service,
        holdId: r.hold_id,
        boundMs: r.bound_ms,
        expiresInMs: r.left_ms,
      }));
    },
  };
}
