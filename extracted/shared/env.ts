/**
 * Small readers for a service's config module: each one names the variable in its error, so a
 * bad environment fails at start with a message that says what to fix.
 */
import { ConfigError } from '../../lib/errors.ts';

export function readPortEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(
      `environment variable ${name} must be a TCP port (1..65535), got "${raw}"`,
    );
  }
  return port;
}

export function readUrlEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: string,
  protocols: string[],
): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`environment variable ${name} must be a URL, got "${raw}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(
      `environment variable ${name} must be a ${protocols.join(' or ')} URL, got "${raw}"`,
    );
  }
  return raw;
}

export function readBooleanEnv(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`environment variable ${name} must be true or false, got "${raw}"`);
}
