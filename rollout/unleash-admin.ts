/**
 * Sets a service's stage in Unleash through its admin API (v8), creating what is missing: the
 * flag `ficus.<service>` in the project, its flexibleRollout strategy with the stage variant in
 * the environment (stage-flag.ts has the shape), and the flag switched on there.
 */
import { loadConfig, required, type FicusConfig } from '../lib/config/index.ts';
import { FicusError } from '../lib/errors.ts';
import type { StageState } from '../plan/stages.ts';
import { decodeStage, flagName, stageStrategy, type FlagDefinition } from '../plan/stage-flag.ts';

export type UnleashAdminOptions = {
  url: string;
  token: string;
  project?: string;
  environment?: string;
};

export class UnleashAdminError extends FicusError {
  constructor(message: string, status?: number) {
    super('unleash_admin_failed', message, {
      retriable: status === undefined || status >= 500,
      details: { status },
    });
  }
}

type Strategy = FlagDefinition['strategies'] extends (infer S)[] | undefined
  ? S & { id: string }
  : never;
type AdminFeature = {
  name: string;
  environments: { name: string; enabled: boolean; strategies: Strategy[] }[];
};

export function unleashAdmin(options: UnleashAdminOptions) {
  const base = options.url.replace(/\/+$/, '').replace(/\/api$/, '');
  const project = options.project ?? 'default';
  const environment = options.environment ?? 'development';

  async function call<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
    let response: Response;
    try {
      response = await fetch(`${base}/api/admin${path}`, {
        method,
        headers: {
          authorization: options.token,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new UnleashAdminError(`Unleash at ${base} is unreachable: ${(error as Error).message}`);
    }
    if (response.status === 404 && method === 'GET') return undefined;
    const text = await response.text();
    if (!response.ok)
      throw new UnleashAdminError(
        `Unleash ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`,
        response.status,
      );
    return text ? (JSON.parse(text) as T) : undefined;
  }

  const featurePath = (service: string) =>
    `/projects/${project}/features/${encodeURIComponent(flagName(service))}`;

  async function read(service: string): Promise<{ state: StageState; feature?: AdminFeature }> {
    const feature = await call<AdminFeature>('GET', featurePath(service));
    const env = feature?.environments.find((e) => e.name === environment);
    const state = decodeStage(
      env
        ? { name: flagName(service), enabled: env.enabled, strategies: env.strategies }
        : undefined,
    );
    return { state, feature };
  }

  return {
    environment,
    /** the stage Unleash holds now (legacy when the flag does not exist) */
    readStage: async (service: string) => (await read(service)).state,

    async setStage(service: string, state: StageState): Promise<void> {
      let { feature } = await read(service);
      if (!feature) {
        await call('POST', `/projects/${project}/features`, {
          name: flagName(service),
          type: 'release',
          description: `ficus: migration stage of ${service} (set with \`ficus stage\`)`,
        });
        feature = (await read(service)).feature;
      }
      const strategies =
        feature?.environments.find((e) => e.name === environment)?.strategies ?? [];
      const body = stageStrategy(service, state);
      const ours = strategies.find((s) => s.name === 'flexibleRollout');
      if (ours)
        await call(
          'PUT',
          `${featurePath(service)}/environments/${environment}/strategies/${ours.id}`,
          body,
        );
      else
        await call('POST', `${featurePath(service)}/environments/${environment}/strategies`, body);
      // Any other strategy would widen who is served; the flag holds only ficus's own.
      for (const other of strategies.filter((s) => s !== ours)) {
        await call(
          'DELETE',
          `${featurePath(service)}/environments/${environment}/strategies/${other.id}`,
        );
      }
      await call('POST', `${featurePath(service)}/environments/${environment}/on`);
    },

    /** archives and deletes the flag (tests clean up with this) */
    async deleteFlag(service: string): Promise<void> {
      await call('DELETE', featurePath(service)).catch(() => undefined);
      await call('DELETE', `/archive/${encodeURIComponent(flagName(service))}`).catch(
        () => undefined,
      );
    },
  };
}

export type UnleashAdmin = ReturnType<typeof unleashAdmin>;

/** Unleash's admin API as the configuration gives it (`unleash:`; FICUS_UNLEASH_ADMIN_* override). */
export function configuredUnleashAdmin(config: FicusConfig = loadConfig()): UnleashAdmin {
  return unleashAdmin({
    url: config.unleash.url,
    token: required(config, 'unleash.adminToken', config.unleash.adminToken),
    project: config.unleash.project,
    environment: config.unleash.environment,
  });
}
