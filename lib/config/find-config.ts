/**
 * Where the configuration comes from, in the order users expect: `--config FILE` (the CLI puts it
 * in FICUS_CONFIG), then FICUS_CONFIG, then `ficus.config.yaml|yml|json` in the working directory,
 * then the file the embedded stack wrote for what it started. Nothing found is an error that says
 * where it looked and how to get one; there is no silent default.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';

export const CONFIG_FILE_NAMES = ['ficus.config.yaml', 'ficus.config.yml', 'ficus.config.json'];

/** ficus's state folder when no configuration names one: FICUS_HOME, else `.ficus` here. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return path.resolve(cwd, env.FICUS_HOME || '.ficus');
}

/** The configuration the embedded stack writes for what it started (`ficus stack up`). */
export function stackConfigFile(stateDir: string): string {
  return path.join(stateDir, 'stack', 'ficus.config.yaml');
}

export type FoundConfig = { file: string; origin: 'file' | 'stack' };

export function findConfigFile(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): FoundConfig {
  if (env.FICUS_CONFIG) {
    const file = path.resolve(cwd, env.FICUS_CONFIG);
    if (!fs.existsSync(file))
      throw new ConfigError(
        `configuration file ${file} (from --config or FICUS_CONFIG) does not exist`,
      );
    return { file, origin: 'file' };
  }
  for (const name of CONFIG_FILE_NAMES) {
    const file = path.join(cwd, name);
    if (fs.existsSync(file)) return { file, origin: 'file' };
  }
  const stackFile = stackConfigFile(defaultStateDir(env, cwd));
  if (fs.existsSync(stackFile)) return { file: stackFile, origin: 'stack' };
  throw new ConfigError(
    `no ficus configuration found: looked for --config, FICUS_CONFIG, ${CONFIG_FILE_NAMES.join(', ')} in ${cwd}, ` +
      `and the embedded stack's ${stackFile}. Run \`ficus init\` to write one for your systems, ` +
      'or `ficus stack up` to start the embedded stack (it writes its own).',
  );
}
