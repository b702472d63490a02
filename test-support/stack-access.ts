/**
 * How e2e tests reach the embedded stack: its superuser (for their own databases, slots and
 * connectors), its roles, and the configuration it wrote, which every ficus program reads too.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig, stackConfigFile, type FicusConfig } from '../lib/config/index.ts';
import { configuredUnleashAdmin } from '../rollout/unleash-admin.ts';
import { loadPlan } from '../plan/load-plan.ts';
import { loadStackConfig, stackPlanFile, type StackConfig } from '../stack/stack-config.ts';
import { rolePassword, stackDatabaseUrl, type Cluster } from '../stack/stack-roles.ts';
import { secretFile } from '../stack/stack-secrets.ts';

export type { Cluster };

export const stackConfig = (): StackConfig => loadStackConfig();

/** The configuration the stack wrote (what `ficus` commands run by the tests read). */
export const stackFicusConfig = (): FicusConfig => loadConfig();

const plan = () => loadPlan(stackPlanFile());

/** The superuser's URL of a database on one of the stack's clusters. */
export const stackAdminUrl = (cluster: Cluster, database: string) =>
  stackDatabaseUrl(stackConfig(), plan(), cluster, database);

/** A database of the stack as one of its login roles (the role's password is the stack's secret). */
export const stackRoleUrl = (cluster: Cluster, database: string, role: string) =>
  stackDatabaseUrl(stackConfig(), plan(), cluster, database, role);

export const stackRolePassword = (role: string) => rolePassword(stackConfig(), plan(), role);

/** Host, port and superuser credentials of a cluster, for connector configs written by tests. */
export function stackAdminEndpoint(cluster: Cluster, database: string) {
  const url = new URL(stackAdminUrl(cluster, database));
  return {
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
  };
}

/** The stack's addresses in one object, the way the e2e suites use them. */
export function stackUrls() {
  const config = stackConfig();
  return {
    legacyAdmin: (database = 'shop') => stackAdminUrl('legacy', database),
    servicesAdmin: (database = 'ficus') => stackAdminUrl('services', database),
    kafkaBootstrap: `127.0.0.1:${config.ports.kafka}`,
    connect: `http://127.0.0.1:${config.ports.connect}`,
    unleash: `http://127.0.0.1:${config.ports.unleash}`,
    adminUser: config.adminUser,
    adminPassword: stackRolePassword(config.adminUser),
  };
}

/** Unleash's admin API of the stack, with the token the stack generated. */
export const stackUnleashAdmin = () => configuredUnleashAdmin(stackFicusConfig());

/**
 * Writes a configuration file for databases a test made on the stack's clusters, reached as the
 * superuser (tests own those databases), with everything else of the stack's configuration.
 */
export function writeTestDatabasesConfig(
  file: string,
  options: {
    planFile: string;
    legacyDatabase: string;
    services: Record<string, string>;
    /** a kit DB of the test's own on the services cluster (default: the stack's) */
    kitDatabase?: string;
  },
): string {
  const config = stackConfig();
  const adminPassword = { file: secretFile(config.stackDir, 'postgres-admin') };
  const db = (port: number, database: string) => ({
    url: `postgres://${config.adminUser}@127.0.0.1:${port}/${database}`,
    password: adminPassword,
  });
  const stackDocument = YAML.parse(fs.readFileSync(stackConfigFile(config.home), 'utf8'));
  const document = {
    ...stackDocument,
    plan: options.planFile,
    legacy: db(config.ports.legacyPostgres, options.legacyDatabase),
    ...(options.kitDatabase ? { kit: db(config.ports.servicesPostgres, options.kitDatabase) } : {}),
    services: Object.fromEntries(
      Object.entries(options.services).map(([name, database]) => [
        name,
        { database: db(config.ports.servicesPostgres, database) },
      ]),
    ),
  };
  // the stack's own secrets are named relative to its file: name them absolutely here
  for (const section of [document.kit, document.unleash, document.proxy])
    for (const [key, value] of Object.entries(section as Record<string, unknown>))
      if (value && typeof value === 'object' && 'file' in value)
        (section as Record<string, unknown>)[key] = {
          file: path.resolve(config.stackDir, (value as { file: string }).file),
        };
  fs.writeFileSync(file, YAML.stringify(document));
  return file;
}
