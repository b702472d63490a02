/**
 * Secrets are named in the configuration, never written in it: `{ env: NAME }` reads an environment
 * variable, `{ file: PATH }` a file (relative to the configuration file; one trailing newline is
 * dropped, as editors and `echo` add one). A missing secret is an error naming the key and where it
 * was looked for; the value itself is never part of a message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';

export type SecretRef = { env: string } | { file: string };

export type SecretContext = {
  /** the configuration file, for messages and to resolve relative paths */
  file: string;
  env: NodeJS.ProcessEnv;
};

export function isSecretRef(value: unknown): value is SecretRef {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file');
}

export function resolveSecret(ref: SecretRef, key: string, context: SecretContext): string {
  if ('env' in ref) {
    const value = context.env[ref.env];
    if (value === undefined || value === '')
      throw new ConfigError(
        `${context.file}: ${key} reads the environment variable ${ref.env}, which is not set`,
        { file: context.file, key },
      );
    return value;
  }
  const file = path.resolve(path.dirname(context.file), ref.file);
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ConfigError(
      `${context.file}: ${key} reads the file ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { file: context.file, key },
    );
  }
}
