/**
 * A service's default port: the port of its upstream in the configuration (`services.<name>.upstream`,
 * where the proxy sends its routes), so the service listens where the proxy looks for it.
 */
import { serviceConfig, type FicusConfig } from '../../lib/config/index.ts';
import { ConfigError } from '../../lib/errors.ts';

export function servicePort(config: FicusConfig, service: string): number {
  const upstream = serviceConfig(config, service).upstream;
  if (!upstream)
    throw new ConfigError(
      `${config.file}: services.${service}.upstream is not set, so ${service} has no default port`,
    );
  const url = new URL(upstream);
  return url.port ? Number(url.port) : 80;
}

/** The base URL another service of the example reaches `service` at. */
export function serviceUrl(config: FicusConfig, service: string): string {
  const upstream = serviceConfig(config, service).upstream;
  if (!upstream) throw new ConfigError(`${config.file}: services.${service}.upstream is not set`);
  return upstream;
}
