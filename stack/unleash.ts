/**
 * The embedded Unleash server: a node process of its own (on the project's Node 24) with a
 * database of its own. An admin token (for `ficus stage`) and a client token (for the proxy) are
 * created at first start through Unleash's INIT_*_API_TOKENS settings.
 */
import type { ProcessSpec } from './processes.ts';
import { modulePath } from '../lib/package-paths.ts';
import { REPO_ROOT } from './stack-config.ts';

export type UnleashSpec = {
  port: number;
  databaseUrl: string;
  adminToken: string;
  clientToken: string;
};

export function unleashProcess(spec: UnleashSpec): ProcessSpec {
  return {
    name: 'unleash',
    command: process.execPath,
    args: [modulePath('stack/unleash-server.ts')],
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      UNLEASH_DATABASE_URL: spec.databaseUrl,
      DATABASE_SSL: 'false',
      HTTP_PORT: String(spec.port),
      INIT_ADMIN_API_TOKENS: spec.adminToken,
      INIT_CLIENT_API_TOKENS: spec.clientToken,
      CHECK_VERSION: 'false',
      SEND_TELEMETRY: 'false',
      LOG_LEVEL: 'warn',
    },
  };
}

export async function unleashHealthy(url: string): Promise<boolean> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
  return response.ok;
}
