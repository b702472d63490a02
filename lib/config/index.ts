/** The configuration of one environment: where everything is (see docs/configuration.md). */
export type * from './config-types.ts';
export { loadConfig, readConfigFile, required, serviceConfig } from './load-config.ts';
export {
  CONFIG_FILE_NAMES,
  defaultStateDir,
  findConfigFile,
  stackConfigFile,
} from './find-config.ts';
export { serviceUrlVariable } from './env-overrides.ts';
export { maskUrl, maskUrlsIn } from './mask.ts';
export { DEFAULT_CUTOVER_LEASE_MS, parseConfig } from './parse-config.ts';
export type { SecretRef } from './secret.ts';
