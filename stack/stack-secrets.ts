/**
 * The embedded stack's passwords and tokens: generated at its first start, one file each under
 * `<state>/stack/secrets/` readable by the user only, and named (never written) in the
 * configuration the stack writes. Nothing of the stack has a well-known password.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FicusError } from '../lib/errors.ts';

/** Every secret the stack makes; the file of each is `secrets/<name>`. */
export const STACK_SECRET_NAMES = [
  'postgres-admin', // the superuser of both clusters: the stack's own setup, and tests
  'legacy-ficus', // ficus's role on the legacy database (a member of the monolith's role)
  'legacy-app', // the monolith's own role
  'cdc', // the replication role Debezium logs in as, on both clusters
  'kit', // the kit database's owner
  'unleash-db', // Unleash's own database
  'unleash-admin-token',
  'unleash-client-token',
  'proxy-admin-token',
] as const;
export type StackSecretName = (typeof STACK_SECRET_NAMES)[number] | `service-${string}`;

export const secretsDir = (stackDir: string) => path.join(stackDir, 'secrets');
export const secretFile = (stackDir: string, name: StackSecretName) =>
  path.join(secretsDir(stackDir), name);

const random = () => crypto.randomBytes(18).toString('base64url');

/** Unleash takes its first tokens in its own `<project>:<environment>.<secret>` shape. */
function generate(name: StackSecretName): string {
  if (name === 'unleash-admin-token') return `*:*.${random()}`;
  if (name === 'unleash-client-token') return `default:development.${random()}`;
  return random();
}

/** The secret's value, made (and kept, mode 0600) the first time it is asked for. */
export function stackSecret(stackDir: string, name: StackSecretName): string {
  const file = secretFile(stackDir, name);
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(secretsDir(stackDir), { recursive: true, mode: 0o700 });
  const value = generate(name);
  // 'wx': two commands starting at once must not each write a different value
  try {
    fs.writeFileSync(file, value + '\n', { mode: 0o600, flag: 'wx' });
    return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return fs.readFileSync(file, 'utf8').trim();
    throw new FicusError('stack_secret', `cannot write ${file}: ${(error as Error).message}`);
  }
}

/** The properties file the Connect worker's FileConfigProvider reads (`${file:<it>:cdc}`). */
export const connectSecretsFile = (stackDir: string) =>
  path.join(secretsDir(stackDir), 'connect.properties');

/** Debezium's password for the Connect worker, so that connector configs only name it. */
export function writeConnectSecrets(stackDir: string): string {
  const file = connectSecretsFile(stackDir);
  // base64url secrets need no escaping in a Java properties file
  fs.writeFileSync(file, `cdc=${stackSecret(stackDir, 'cdc')}\n`, { mode: 0o600 });
  return file;
}
