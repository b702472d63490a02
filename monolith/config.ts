/**
 * The monolith's configuration, read once from the environment and validated. Every environment
 * variable the monolith reads is read here; defaults come from the embedded stack's config.
 *
 *   MONOLITH_PORT          port to listen on (default: the stack's `ports.monolith`, 18081)
 *   MONOLITH_HOST          interface to bind (default 127.0.0.1)
 *   MONOLITH_DATABASE_URL  postgres:// URL of the legacy DB (default: `shop` as role `shop`)
 */
import { ConfigError } from '../lib/errors.ts';
import { loadStackConfig, stackUrls, type StackConfig } from '../stack/stack-config.ts';

/** The monolith's own login on the legacy cluster: the `shop` role owns the `shop` database. */
export const LEGACY_APP_ROLE = { database: 'shop', user: 'shop', password: 'shop' } as const;

export type MonolithConfig = { port: number; host: string; databaseUrl: string };

/** URL of the legacy DB as the monolith's own role (not the superuser). */
export function legacyAppUrl(stack: StackConfig = loadStackConfig()): string {
  return stackUrls(stack).legacyAs(
    LEGACY_APP_ROLE.database,
    LEGACY_APP_ROLE.user,
    LEGACY_APP_ROLE.password,
  );
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
  const databaseUrl = env.MONOLITH_DATABASE_URL || legacyAppUrl(stack);
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('environment variable MONOLITH_DATABASE_URL must be a postgres:// URL');
  }
  return { port, host: env.MONOLITH_HOST || '127.0.0.1', databaseUrl };
}
