/**
 * `loadConfig()`: the one way every program (CLI, proxy, sync workers, the example's services)
 * learns where everything is. Finds the file (find-config.ts), parses YAML or JSON, checks every
 * entry (parse-config.ts), then applies the environment's overrides (env-overrides.ts).
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { ConfigError } from '../errors.ts';
import type { FicusConfig, ServiceConfig } from './config-types.ts';
import { applyEnvOverrides } from './env-overrides.ts';
import { findConfigFile } from './find-config.ts';
import { parseConfig } from './parse-config.ts';

export type LoadConfigOptions = { env?: NodeJS.ProcessEnv; cwd?: string; file?: string };

export function readConfigFile(
  file: string,
  env: NodeJS.ProcessEnv,
  origin: FicusConfig['origin'] = 'file',
): FicusConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `configuration file ${file} cannot be read (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML or JSON: ${(error as Error).message}`, { file });
  }
  return parseConfig(raw, file, env, origin);
}

export function loadConfig(options: LoadConfigOptions = {}): FicusConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const found = options.file
    ? { file: options.file, origin: 'file' as const }
    : findConfigFile(env, cwd);
  return applyEnvOverrides(readConfigFile(found.file, env, found.origin), env, cwd);
}

/** One service's entry; an error naming the file and key when the plan has a service the configuration lacks. */
export function serviceConfig(config: FicusConfig, name: string): ServiceConfig {
  const service = config.services[name];
  if (!service)
    throw new ConfigError(
      `${config.file}: services.${name} is missing (the plan has a service "${name}"; ` +
        `configured: ${Object.keys(config.services).join(', ') || 'none'})`,
      { file: config.file, key: `services.${name}` },
    );
  return service;
}

/** A setting some commands need and an environment may leave out: an error naming the key when absent. */
export function required<T>(config: FicusConfig, key: string, value: T | undefined): T {
  if (value === undefined || value === '')
    throw new ConfigError(`${config.file}: ${key} is not set, and this command needs it`, {
      file: config.file,
      key,
    });
  return value;
}
