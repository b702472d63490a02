/**
 * The configuration of what the embedded stack started, written where `loadConfig()` finds it when
 * nothing else is given (`<state>/stack/ficus.config.yaml`). It is an ordinary configuration file:
 * addresses of the stack's parts, roles of least privilege, secrets named by file.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { stackConfigFile } from '../lib/config/index.ts';
import { migrationsDirectory } from '../migrations/migrate-runner.ts';
import type { Plan } from '../plan/plan-types.ts';
import { REPO_ROOT, type StackConfig } from './stack-config.ts';
import { CDC_ROLE, KIT_DATABASE, KIT_ROLE, LEGACY_FICUS_ROLE, roleSecret } from './stack-roles.ts';
import { connectSecretsFile, secretFile, type StackSecretName } from './stack-secrets.ts';

/** The folder of a service's migrations when the stack's project has one (the example's do). */
function migrationsFolder(service: string): string | undefined {
  const inProject = path.resolve('migrations', service);
  const inFicus = path.join(REPO_ROOT, 'migrations', service);
  return [inProject, inFicus].find((dir) => fs.existsSync(dir));
}

export function stackConfigDocument(config: StackConfig, plan: Plan, planFile: string) {
  const file = (name: StackSecretName) => ({
    file: path.relative(config.stackDir, secretFile(config.stackDir, name)),
  });
  const pg = (port: number, database: string, role: string) => ({
    url: `postgres://${role}@127.0.0.1:${port}/${database}`,
    password: file(roleSecret(config, plan, role)),
  });
  // Debezium's password reaches Connect through the worker's file config provider
  const cdc = {
    user: CDC_ROLE,
    password: file('cdc'),
    passwordFromProvider: `\${file:${connectSecretsFile(config.stackDir)}:cdc}`,
  };
  const { ports } = config;
  return {
    plan: planFile,
    state: config.home,
    legacy: {
      ...pg(ports.legacyPostgres, plan.legacy.database, LEGACY_FICUS_ROLE),
      connect: cdc,
      // `ficus migrate legacy`: the example shop's schema, as the monolith's role (its owner)
      migrations: {
        directory: migrationsDirectory('legacy'),
        ...pg(ports.legacyPostgres, plan.legacy.database, plan.legacy.database),
      },
    },
    kit: pg(ports.servicesPostgres, KIT_DATABASE, KIT_ROLE),
    services: Object.fromEntries(
      plan.services.map((s, index) => [
        s.name,
        {
          database: { ...pg(ports.servicesPostgres, s.database, s.name), connect: cdc },
          upstream: `http://127.0.0.1:${ports.servicePortBase + index}`,
          ...(migrationsFolder(s.name) ? { migrations: migrationsFolder(s.name) } : {}),
        },
      ]),
    ),
    kafka: { brokers: [`127.0.0.1:${ports.kafka}`] },
    connect: { url: `http://127.0.0.1:${ports.connect}` },
    unleash: {
      url: `http://127.0.0.1:${ports.unleash}`,
      adminToken: file('unleash-admin-token'),
      clientToken: file('unleash-client-token'),
      project: 'default',
      environment: 'development',
    },
    monolith: { upstream: `http://127.0.0.1:${ports.monolith}` },
    proxy: {
      listen: `127.0.0.1:${ports.proxy}`,
      adminListen: `127.0.0.1:${ports.proxyAdmin}`,
      adminToken: file('proxy-admin-token'),
      // the demo shows which side answered; a user's proxy does not tell clients by default
      backendHeader: true,
    },
  };
}

export function writeStackConfig(config: StackConfig, plan: Plan, planFile: string): string {
  const target = stackConfigFile(config.home);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const header =
    "# Written by `ficus stack up`: where the embedded stack's parts are. Every ficus command uses\n" +
    '# it when no --config, FICUS_CONFIG or ficus.config.* is given. Secrets are files beside it.\n';
  const text =
    header +
    YAML.stringify(stackConfigDocument(config, plan, planFile), { aliasDuplicateObjects: false });
  const temporary = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text, { mode: 0o600 });
  fs.renameSync(temporary, target);
  return target;
}
