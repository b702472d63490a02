/**
 * The login roles of the embedded stack and how to reach its two clusters as each. The stack
 * gives every part the least it needs (docs/decisions/0008-least-privilege.md):
 * - the superuser (`ficus`) sets the clusters up and nothing else; tests use it for their own
 *   databases;
 * - on the legacy cluster, the monolith's role owns its database (named as the database), and
 *   `ficus_legacy`, a member of it, is ficus's own role there (publication, fence, reverse sync);
 * - on the services cluster, each service's role owns its database (the service and its sink log
 *   in as it), `ficus_kit` owns the kit database, `unleash` Unleash's;
 * - `ficus_cdc`, with REPLICATION and no superuser, is whom Debezium logs in as on both.
 */
import type { Plan } from '../plan/plan-types.ts';
import type { StackConfig } from './stack-config.ts';
import { stackSecret, type StackSecretName } from './stack-secrets.ts';

export type Cluster = 'legacy' | 'services';

export const LEGACY_FICUS_ROLE = 'ficus_legacy';
export const CDC_ROLE = 'ficus_cdc';
export const KIT_ROLE = 'ficus_kit';
export const KIT_DATABASE = 'ficus';
export const UNLEASH_ROLE = 'unleash';

/** The secret that holds a role's password. */
export function roleSecret(config: StackConfig, plan: Plan, role: string): StackSecretName {
  if (role === config.adminUser) return 'postgres-admin';
  if (role === LEGACY_FICUS_ROLE) return 'legacy-ficus';
  if (role === CDC_ROLE) return 'cdc';
  if (role === KIT_ROLE) return 'kit';
  if (role === UNLEASH_ROLE) return 'unleash-db';
  if (role === plan.legacy.database) return 'legacy-app';
  return `service-${role}`;
}

export const rolePassword = (config: StackConfig, plan: Plan, role: string) =>
  stackSecret(config.stackDir, roleSecret(config, plan, role));

export function clusterPort(config: StackConfig, cluster: Cluster): number {
  return cluster === 'legacy' ? config.ports.legacyPostgres : config.ports.servicesPostgres;
}

/** postgres:// URL of a database of the stack as one of its roles (the superuser by default). */
export function stackDatabaseUrl(
  config: StackConfig,
  plan: Plan,
  cluster: Cluster,
  database: string,
  role = config.adminUser,
): string {
  const password = encodeURIComponent(rolePassword(config, plan, role));
  return `postgres://${encodeURIComponent(role)}:${password}@127.0.0.1:${clusterPort(config, cluster)}/${encodeURIComponent(database)}`;
}

/** The monolith's own login on the legacy cluster (the example's apps, `ficus seed`, `migrate legacy`). */
export const legacyAppUrl = (config: StackConfig, plan: Plan) =>
  stackDatabaseUrl(config, plan, 'legacy', plan.legacy.database, plan.legacy.database);
