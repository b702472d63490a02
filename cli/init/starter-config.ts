/**
 * The configuration `ficus init` writes, as text: every key lib/config/parse-config.ts reads, each
 * with a comment saying what to fill in; secrets as `{ env: ... }`, never values (the password of
 * `--from`'s URL included). The plan beside it is cli/init/plan-skeleton.ts's. Pure:
 * cli/commands/init.ts does the I/O.
 */

/** The legacy database as `--from` named it, without its password. */
export type LegacyTarget = {
  host: string;
  port: number;
  database: string;
  user: string;
};

export type StarterInput = { legacy?: LegacyTarget };

/** The environment variables the starter configuration names for its secrets. */
export const STARTER_SECRETS = {
  legacy: 'FICUS_LEGACY_PASSWORD',
  cdc: 'FICUS_CDC_PASSWORD',
  kit: 'FICUS_KIT_PASSWORD',
} as const;

const PLACEHOLDER: LegacyTarget = {
  host: 'legacy-db.example.internal',
  port: 5432,
  database: 'app',
  user: 'ficus',
};

const urlOf = (t: LegacyTarget) =>
  `postgres://${encodeURIComponent(t.user)}@${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}/${encodeURIComponent(t.database)}`;

export function renderStarterConfig(input: StarterInput = {}): string {
  const legacy = input.legacy ?? PLACEHOLDER;
  const fill = input.legacy ? '' : '  # FILL IN';
  return `# ficus configuration: WHERE everything is, for one environment (docs/configuration.md).
# Written by \`ficus init\`. Fill in every "FILL IN"; secrets are never written here, only where
# they are: { env: VARIABLE } or { file: path } (relative to this file).
# ficus finds this file as --config FILE, else FICUS_CONFIG, else ./ficus.config.yaml.

# the migration plan (WHAT moves), relative to this file
plan: ficus.plan.yaml
# ficus's state in this project (stage backups, reports)
state: .ficus

# The monolith's database, as ficus reaches it. The user is ficus's own role there: a member of
# the role that owns the tables, never a superuser (docs/bring-your-own-monolith.md has the SQL).
legacy:
  url: ${urlOf(legacy)}${fill}
  password: { env: ${STARTER_SECRETS.legacy} }
  # The same database as Kafka Connect (Debezium) sees it, and whom Debezium logs in as: a role
  # with REPLICATION, not a superuser. host/port/database default to the url's.
  connect:
    # host: legacy-db.internal   # if Connect reaches the database by another name
    # port: 5432
    # database: ${legacy.database}
    user: ficus_cdc  # FILL IN: the replication role
    password: { env: ${STARTER_SECRETS.cdc} }
  # The monolith's own knex migrations, if ficus should run them (\`ficus migrate legacy\`), as the
  # role that owns its tables (default: the url above). Leave it out when the monolith migrates itself.
  # migrations:
  #   directory: migrations/legacy
  #   url: ${urlOf({ ...legacy, user: 'app_owner' })}   # the role that owns the tables
  #   password: { env: FICUS_LEGACY_OWNER_PASSWORD }

# ficus's own database (stage history, comparisons, cut-over journal): \`ficus migrate kit\`.
kit:
  url: postgres://ficus_kit@kit-db.example.internal:5432/ficus  # FILL IN
  password: { env: ${STARTER_SECRETS.kit} }

# One entry per service of the plan: its own database, as the role the service and its sink use
# (the owner of its tables), and where the proxy sends its routes.
# Delete "services: {}" and add entries like the commented one (remove the "# " in front).
services: {}
# services:
#   orders:                                  # the name the plan gives the service
#     database:
#       url: postgres://orders@services-db.example.internal:5432/orders
#       password: { env: FICUS_ORDERS_PASSWORD }
#       connect:                             # for the reverse sync (after the write cut-over)
#         user: ficus_cdc
#         password: { env: ${STARTER_SECRETS.cdc} }
#     upstream: http://orders.internal:8080  # the service's base URL (its routes go there)
#     migrations: migrations/orders          # knex migrations: \`ficus migrate orders\`

kafka:
  brokers: [kafka-1.example.internal:9092]  # FILL IN: bootstrap servers, host:port

connect:
  url: http://connect.example.internal:8083  # FILL IN: Kafka Connect's REST API, with Debezium

unleash:
  url: http://unleash.example.internal:4242/api  # FILL IN
  # adminToken: { env: FICUS_UNLEASH_ADMIN_TOKEN }   # stage changes and rollouts need it
  # clientToken: { env: FICUS_UNLEASH_TOKEN }        # the proxy reads flags with it
  project: default
  environment: development

monolith:
  upstream: http://monolith.example.internal:8080  # FILL IN: the monolith's base URL (the proxy's default)

proxy:
  listen: 0.0.0.0:8080            # where the proxy serves traffic
  adminListen: 127.0.0.1:8089     # its admin API
  # adminUrl: http://proxy.internal:8089   # how the CLI reaches the admin API (default: adminListen)
  # adminToken: { env: FICUS_PROXY_ADMIN_TOKEN }
  backendHeader: false            # true adds x-ficus-backend: monolith | <service> to answers
`;
}
