/**
 * The lending library (library/) set up the way a team would before meeting ficus, on the shared
 * stack's clusters under names of the test's own: the monolith's database and owner role with its
 * schema and seed, the circulation service's database and login role (empty: its migrations are
 * `ficus migrate`'s; the role not yet allowed to apply as a replica: `ficus check` says so, and the
 * test grants it as its fix), a kit DB; then a user's project (ficus installed from the packed
 * tarball): ficus.config.yaml, the library's plan with the service renamed, the secrets as files.
 *
 *   const library = await createLibraryDatabases(suffix);
 *   writeLibraryProject(dir, library, { monolith, service, proxy });
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import YAML from 'yaml';
import { PACKAGE_ROOT } from '../../lib/package-paths.ts';
import { quoteIdent } from '../../lib/sql.ts';
import { stackConfigFile } from '../../lib/config/index.ts';
import { applyLegacySchema, seedLibrary } from '../../library/legacy/database.ts';
import { secretFile } from '../../stack/stack-secrets.ts';
import { stackAdminUrl, stackConfig } from '../stack-access.ts';

export type LibraryDatabases = {
  suffix: string;
  /** the service's name in the plan (its flag, connectors and topics follow it) */
  service: string;
  legacyDatabase: string;
  serviceDatabase: string;
  kitDatabase: string;
  /** the monolith's own role (owns the legacy tables) and the service's */
  monolithRole: string;
  serviceRole: string;
  passwords: { monolith: string; service: string };
  /** the monolith's database as the monolith logs in */
  monolithUrl: string;
  /** the service's database as the service logs in */
  serviceUrl: string;
  /** superuser URLs, for the test's own looks at both sides */
  legacyAdminUrl: string;
  serviceAdminUrl: string;
  drop(): Promise<void>;
};

const password = () => crypto.randomBytes(12).toString('base64url');

export async function adminSql(url: string, text: string, params?: unknown[]) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

function urlAs(adminUrl: string, user: string, secret: string): string {
  const url = new URL(adminUrl);
  url.username = user;
  url.password = secret;
  return url.toString();
}

export async function createLibraryDatabases(suffix: string): Promise<LibraryDatabases> {
  const names = {
    service: `circulation_${suffix}`,
    legacyDatabase: `library_${suffix}`,
    serviceDatabase: `circulation_${suffix}`,
    kitDatabase: `library_kit_${suffix}`,
    monolithRole: `library_${suffix}`,
    serviceRole: `circulation_${suffix}`,
  };
  const passwords = { monolith: password(), service: password() };
  const legacy = (db: string) => stackAdminUrl('legacy', db);
  const services = (db: string) => stackAdminUrl('services', db);

  await adminSql(
    legacy('postgres'),
    `CREATE ROLE ${quoteIdent(names.monolithRole)} LOGIN PASSWORD '${passwords.monolith}'`,
  );
  await adminSql(
    legacy('postgres'),
    `CREATE DATABASE ${quoteIdent(names.legacyDatabase)} OWNER ${quoteIdent(names.monolithRole)}`,
  );
  const monolithUrl = urlAs(legacy(names.legacyDatabase), names.monolithRole, passwords.monolith);
  await applyLegacySchema(monolithUrl);
  await seedLibrary(monolithUrl);

  const role = quoteIdent(names.serviceRole);
  await adminSql(services('postgres'), `CREATE ROLE ${role} LOGIN PASSWORD '${passwords.service}'`);
  await adminSql(
    services('postgres'),
    `CREATE DATABASE ${quoteIdent(names.serviceDatabase)} OWNER ${role}`,
  );
  await adminSql(services('postgres'), `CREATE DATABASE ${quoteIdent(names.kitDatabase)}`);

  const drop = async () => {
    const force = (db: string) => `DROP DATABASE IF EXISTS ${quoteIdent(db)} WITH (FORCE)`;
    await adminSql(legacy('postgres'), force(names.legacyDatabase)).catch(() => undefined);
    await adminSql(services('postgres'), force(names.serviceDatabase)).catch(() => undefined);
    await adminSql(services('postgres'), force(names.kitDatabase)).catch(() => undefined);
    await adminSql(legacy('postgres'), `DROP ROLE IF EXISTS ${quoteIdent(names.monolithRole)}`);
    await adminSql(
      services('postgres'),
      `REVOKE SET ON PARAMETER session_replication_role FROM ${role}`,
    ).catch(() => undefined);
    await adminSql(services('postgres'), `DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  };
  return {
    suffix,
    ...names,
    passwords,
    monolithUrl,
    serviceUrl: urlAs(services(names.serviceDatabase), names.serviceRole, passwords.service),
    legacyAdminUrl: legacy(names.legacyDatabase),
    serviceAdminUrl: services(names.serviceDatabase),
    drop,
  };
}

/** The library's plan (library/library.plan.yaml) for this run's service and database names. */
export function libraryPlan(library: LibraryDatabases): string {
  const text = fs.readFileSync(path.join(PACKAGE_ROOT, 'library/library.plan.yaml'), 'utf8');
  const plan = YAML.parseDocument(text);
  plan.setIn(['legacy', 'database'], library.legacyDatabase);
  const service = plan.getIn(['services', 'circulation']) as YAML.YAMLMap;
  service.set('database', library.serviceDatabase);
  plan.setIn(['services'], new YAML.YAMLMap());
  plan.setIn(['services', library.service], service);
  return plan.toString();
}

export type Upstreams = { monolith: string; service: string; proxyPort: number; adminPort: number };

/**
 * A user's project: the configuration (secrets as files in `secrets/`), the plan, and a state
 * folder of its own. Kafka, Connect and Unleash are the stack's; Debezium logs in as the stack's
 * replication role on both sides.
 */
export function writeLibraryProject(
  dir: string,
  library: LibraryDatabases,
  upstreams: Upstreams,
): void {
  const stack = stackConfig();
  const stackDocument = YAML.parse(fs.readFileSync(stackConfigFile(stack.home), 'utf8'));
  const stackSecret = (name: Parameters<typeof secretFile>[1]) => ({
    file: secretFile(stack.stackDir, name),
  });
  const secrets = path.join(dir, 'secrets');
  fs.mkdirSync(secrets, { recursive: true });
  fs.writeFileSync(path.join(secrets, 'service'), `${library.passwords.service}\n`);
  const cdc = {
    user: stackDocument.legacy.connect.user,
    password: stackSecret('cdc'),
    passwordFromProvider: stackDocument.legacy.connect.passwordFromProvider,
  };
  const admin = (database: string, port: number) => ({
    url: `postgres://${stack.adminUser}@127.0.0.1:${port}/${database}`,
    password: stackSecret('postgres-admin'),
  });
  const config = {
    plan: 'ficus.plan.yaml',
    state: '.ficus',
    legacy: { ...admin(library.legacyDatabase, stack.ports.legacyPostgres), connect: cdc },
    kit: admin(library.kitDatabase, stack.ports.servicesPostgres),
    services: {
      [library.service]: {
        database: {
          url: `postgres://${library.serviceRole}@127.0.0.1:${stack.ports.servicesPostgres}/${library.serviceDatabase}`,
          password: { file: 'secrets/service' },
          connect: cdc,
        },
        upstream: upstreams.service,
        migrations: path.join(PACKAGE_ROOT, 'library/circulation/migrations'),
      },
    },
    kafka: stackDocument.kafka,
    connect: stackDocument.connect,
    unleash: {
      ...stackDocument.unleash,
      adminToken: stackSecret('unleash-admin-token'),
      clientToken: stackSecret('unleash-client-token'),
    },
    monolith: { upstream: upstreams.monolith },
    proxy: {
      listen: `127.0.0.1:${upstreams.proxyPort}`,
      adminListen: `127.0.0.1:${upstreams.adminPort}`,
      adminToken: stackSecret('proxy-admin-token'),
      backendHeader: true,
    },
  };
  fs.writeFileSync(path.join(dir, 'ficus.config.yaml'), YAML.stringify(config));
  fs.writeFileSync(path.join(dir, 'ficus.plan.yaml'), libraryPlan(library));
}
