/**
 * The stage of every service, as Unleash says, through unleash-client: it polls Unleash about
 * every second (a change in Unleash's UI or by `ficus stage` takes effect within seconds),
 * persists what it saw, starts from that when Unleash is unreachable, and with nothing known
 * answers `legacy`. Nothing here throws into a request.
 */
import { Unleash } from 'unleash-client';
import type { Logger } from '../../lib/logger.ts';
import { LEGACY, type StageState } from '../../plan/stages.ts';
import { atomicFileStorage } from './atomic-file-storage.ts';
import { flagRefresh, type RefreshResult } from './flag-refresh.ts';
import { decodeStage, flagName, type FlagDefinition } from '../../plan/stage-flag.ts';

export type StageSource = {
  stateOf(service: string): StageState;
  /** whether this stickiness key falls in the service's canary share */
  inCanary(service: string, key: string): boolean;
  status(): { synchronized: boolean; known: boolean };
  /** when the stages were last read from Unleash (Date.now()); null: never */
  readAt(): number | null;
  /**
   * reads the stages from Unleash now (flag-refresh.ts), until `until` holds, `timeoutMs` passed
   * or a later refresh with the same `key` took over
   */
  refresh(
    until?: () => boolean,
    options?: { timeoutMs?: number; key?: string },
  ): Promise<RefreshResult>;
  close(): Promise<void>;
};

export type UnleashStageOptions = {
  url: string;
  token: string;
  refreshMs: number;
  backupDir: string;
  appName: string;
};

export function unleashStageSource(options: UnleashStageOptions, log: Logger): StageSource {
  const client = new Unleash({
    appName: options.appName,
    url: options.url,
    refreshInterval: options.refreshMs,
    // The client retries with a 1 s minimum backoff and refuses a timeout below it.
    timeout: Math.max(1000, Math.min(5000, options.refreshMs * 2)),
    customHeaders: { Authorization: options.token },
    disableMetrics: true,
    skipInstanceCountWarning: true,
    storageProvider: atomicFileStorage(options.backupDir),
  });
  // An EventEmitter without an `error` listener would throw; Unleash being down is expected.
  let lastWarned = 0;
  client.on('error', (error: Error) => {
    if (Date.now() - lastWarned < 30_000) return;
    lastWarned = Date.now();
    log.warn('Unleash unreachable, routing on the last known stages', {
      url: options.url,
      error: error.message,
    });
  });
  client.on('warn', (message: unknown) =>
    log.debug('unleash-client warning', { message: String(message) }),
  );
  client.on('changed', () => log.debug('flags changed'));
  const fresh = flagRefresh(client, options);

  // Decoding is cached per definition object: the client replaces them when they change.
  const decoded = new WeakMap<object, StageState>();
  const stateOf = (service: string): StageState => {
    try {
      const definition = client.getFeatureToggleDefinition(flagName(service)) as
        FlagDefinition | undefined;
      if (!definition) return LEGACY;
      let state = decoded.get(definition);
      if (!state) decoded.set(definition, (state = decodeStage(definition)));
      return state;
    } catch (error) {
      log.warn('could not read a stage flag, routing to the monolith', {
        service,
        error: String(error),
      });
      return LEGACY;
    }
  };
  return {
    stateOf,
    inCanary(service, key) {
      try {
        return client.isEnabled(flagName(service), { userId: key });
      } catch {
        return false;
      }
    },
    status: () => ({
      synchronized: client.isSynchronized(),
      known: client.getFeatureToggleDefinitions().length > 0,
    }),
    readAt: fresh.readAt,
    refresh: (until, refreshOptions) => fresh.refresh(until, refreshOptions),
    async close() {
      client.destroy();
      // destroy() removes the repository's listeners while a poll may still be in flight; its
      // late failure would then be an unhandled 'error' event. Keep one sink for it.
      (client as unknown as { repository?: { on(e: string, f: () => void): void } }).repository?.on(
        'error',
        () => {},
      );
    },
  };
}

/** A fixed set of stages, for unit tests and for running without Unleash on purpose. */
export function staticStageSource(
  states: Record<string, StageState>,
  inCanary: (service: string, key: string) => boolean = () => false,
): StageSource {
  return {
    stateOf: (service) => states[service] ?? LEGACY,
    inCanary,
    status: () => ({ synchronized: false, known: Object.keys(states).length > 0 }),
    readAt: () => null,
    refresh: async (until) => ({
      seen: until ? until() : true,
      superseded: false,
      fetches: 0,
      lastError: null,
      revision: null,
    }),
    close: async () => {},
  };
}
