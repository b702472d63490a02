/**
 * The proxies the control plane talks to: every live proxy registered in the kit DB
 * (proxy/fleet/), each through its admin API, with the admin token of the configuration. A kit DB
 * without the registry (from before migrations/kit/0302), or with no proxy registered, gives the
 * one proxy the configuration names (`proxy.adminUrl`), as before the fleet.
 */
import type { Knex } from 'knex';
import { loadConfig, required, type FicusConfig } from '../lib/config/index.ts';
import { liveProxies, type ProxyReport } from '../lib/proxy-fleet/proxy-fleet.ts';
import { proxyFleetStore, type ProxyFleetStore } from '../lib/proxy-fleet/proxy-fleet-store.ts';
import { proxyAdmin, type ProxyAdmin } from './proxy-admin.ts';

export type FleetMember = {
  /** the registered id, or `configured` for the configuration's one proxy */
  id: string;
  adminUrl: string;
  /** when the registry stops counting it; null for the configured proxy */
  leaseExpiresAt: Date | null;
  report: ProxyReport | null;
  admin: ProxyAdmin;
};

export type ProxyFleet = {
  /** the live proxies now (the configured one when none is registered) */
  members(): Promise<FleetMember[]>;
  /** the registry, when the kit DB has one: where write holds are recorded */
  store: ProxyFleetStore | null;
};

const missingTable = (error: unknown) => (error as { code?: string }).code === '42P01';

export function proxyFleet(options: {
  kitDb: Knex | null;
  token: string;
  /** the configuration's `proxy.adminUrl` */
  fallbackUrl: string;
}): ProxyFleet {
  let store: ProxyFleetStore | null = options.kitDb ? proxyFleetStore(options.kitDb) : null;
  const member = (report: ProxyReport): FleetMember => ({
    id: report.proxyId,
    adminUrl: report.adminUrl,
    leaseExpiresAt: report.leaseExpiresAt,
    report,
    admin: proxyAdmin({ url: report.adminUrl, token: options.token }),
  });
  const configured: FleetMember = {
    id: 'configured',
    adminUrl: options.fallbackUrl,
    leaseExpiresAt: null,
    report: null,
    admin: proxyAdmin({ url: options.fallbackUrl, token: options.token }),
  };
  const fleet: ProxyFleet = {
    get store() {
      return store;
    },
    async members() {
      if (!store) return [configured];
      try {
        const { now, proxies } = await store.proxies();
        const live = liveProxies(proxies, now);
        return live.length ? live.map(member) : [configured];
      } catch (error) {
        if (!missingTable(error)) throw error;
        store = null; // an old kit DB: the configured proxy, as before the fleet
        return [configured];
      }
    },
  };
  return fleet;
}

/** The fleet as the configuration gives it: the kit DB's registry, `proxy.adminUrl` as fallback. */
export function configuredProxyFleet(
  kitDb: Knex | null,
  config: FicusConfig = loadConfig(),
): ProxyFleet {
  return proxyFleet({
    kitDb,
    token: required(config, 'proxy.adminToken', config.proxy.adminToken),
    fallbackUrl: config.proxy.adminUrl,
  });
}
