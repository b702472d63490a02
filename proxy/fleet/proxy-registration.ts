/**
 * A proxy in the fleet: it registers in the kit DB (proxy-fleet-store.ts) and every
 * PROXY_HEARTBEAT_MS renews its lease with the stage it routes each service by and when it last
 * read them from Unleash, and takes the write holds recorded there that it does not hold yet. The
 * first renewal and hold check run before the proxy serves traffic (proxy/main.ts), so a proxy that
 * starts during a cut-over's hold holds from its first request. The kit DB out of reach: the proxy
 * keeps routing by Unleash and retries on the next beat; its lease lapses and the control plane
 * stops counting it.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { StageSource } from '../flags/stage-source.ts';
import type { WriteHolds } from '../writes/write-hold.ts';
import { holdsToTake, PROXY_HEARTBEAT_MS } from '../../lib/proxy-fleet/proxy-fleet.ts';
import type { ProxyFleetStore } from '../../lib/proxy-fleet/proxy-fleet-store.ts';

export type ProxyRegistrationOptions = {
  store: ProxyFleetStore;
  stages: StageSource;
  holds: WriteHolds;
  /** the services of the plan, whose stages the proxy reports */
  services: string[];
  adminUrl: string;
  version: string;
  log: Logger;
  heartbeatMs?: number;
};

export type ProxyRegistration = {
  proxyId: string;
  /** the first renewal and hold check; rejects when the kit DB cannot be reached */
  start(): Promise<void>;
  /** the public side's address, once it listens */
  setUrl(url: string): void;
  /** one renewal now (after a flag refresh, so the registry shows it at once) */
  renewNow(): Promise<void>;
  stop(): Promise<void>;
};

export function proxyRegistration(options: ProxyRegistrationOptions): ProxyRegistration {
  const { store, stages, holds, log } = options;
  const proxyId = `proxy-${os.hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  let url: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let beating: Promise<void> = Promise.resolve();
  let stopped = false;
  let failing = false;

  const stagesNow = () =>
    Object.fromEntries(
      options.services.map((s) => {
        const { stage, percent } = stages.stateOf(s);
        return [s, { stage, percent }];
      }),
    );

  const takeRecordedHolds = async () => {
    const recorded = await store.activeHolds();
    for (const h of holdsToTake(recorded, holds.heldId, holds.released())) {
      log.info('holding writes recorded in the kit DB', { service: h.service, holdId: h.holdId });
      holds.hold(h.service, h.boundMs, h.expiresInMs, h.holdId);
    }
  };

  const renew = async () => {
    const readAt = stages.readAt();
    await store.renew({
      proxyId,
      host: os.hostname(),
      pid: process.pid,
      version: options.version,
      url,
      adminUrl: options.adminUrl,
      stages: stagesNow(),
      stagesReadAt: readAt === null ? null : new Date(readAt),
    });
    await takeRecordedHolds();
  };

  const beat = () => {
    beating = renew().then(
      () => {
        if (failing) log.info('kit DB reachable again, lease renewed', { proxyId });
        failing = false;
      },
      (error: unknown) => {
        if (!failing)
          log.warn('could not renew the lease in the kit DB; retrying', {
            proxyId,
            error: errorMessage(error),
          });
        failing = true;
      },
    );
    return beating;
  };

  return {
    proxyId,
    async start() {
      await renew();
      const every = options.heartbeatMs ?? PROXY_HEARTBEAT_MS;
      const loop = () => {
        if (stopped) return;
        void beat().then(() => {
          if (!stopped) (timer = setTimeout(loop, every)).unref();
        });
      };
      (timer = setTimeout(loop, every)).unref();
      log.info('registered in the kit DB', { proxyId, adminUrl: options.adminUrl });
    },
    setUrl(value) {
      url = value;
    },
    renewNow: async () => {
      await beating;
      await beat();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await beating;
      await store.deregister(proxyId).catch(() => undefined);
    },
  };
}
