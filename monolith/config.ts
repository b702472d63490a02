/**
 * The monolith's configuration, read once from the environment and validated. Every environment
 * variable the monolith reads is read here; without them it runs on the embedded stack.
 *
 *   MONOLITH_PORT          port to listen on (default: the stack's `ports.monolith`, 18081)
 *   MONOLITH_HOST          interface to bind (default 127.0.0.1)
 *   MONOLITH_DATABASE_URL  postgres:// URL of the legacy DB (default: the stack's shop DB as the
 *                          monolith's own role, with the stack's generated password)
 */
import { ConfigError } from '../lib/errors.ts';
import { loadPlan } from '../plan/load-plan.ts';
import { loadStackConfig, stackPlanFile } from '../stack/stack-config.ts';
import { legacyAppUrl as stackLegacyAppUrl } from '../stack/stack-roles.ts';

export type MonolithConfig = { port: number; host: string; databaseUrl: string };

/** URL of the legacy DB as the monolith's own role on the embedded stack (not the superuser). */
export function legacyAppUrl(env: NodeJS.ProcessEnv = process.env): string {
  return stackLegacyAppUrl(loadStackConfig(env), loadPlan(stackPlanFile(env)));
}

export function loadMonolithConfig(env: NodeJS.ProcessEnv = process.env): MonolithConfig {
  const stack = loadStackConfig(env);
  const rawPort = env.MONOLITH_PORT;
  let port = stack.ports.monolith;
  if (rawPort !== undefined && rawPort !== '') {
    port = Number(rawPort);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(
        `environment variable MONOLITH_PORT must be a port number (0..65535), got "${rawPort}"`,
      );
    }
  }
  const databaseUrl = env.MONOLITH_DATABASE_URL || legacyAppUrl(env);
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('environment variable MONOLITH_DATABASE_URL must be a postgres:// URL');
  }
  return { port, host: env.MONOLITH_HOST || '127.0.0.1', databaseUrl };
}
