/**
 * The configuration of one environment, resolved: every address ficus talks to, with the secrets
 * read from where the file says they are. What moves is the plan's business; where everything is,
 * this. Built by `loadConfig()` (lib/config/load-config.ts) and nowhere else.
 */

/** A database ficus connects to, with the configuration key that set it (for messages). */
export type DatabaseConfig = {
  /** the configuration key, e.g. `services.catalog.database`; errors name it */
  key: string;
  /** postgres:// URL with the password in it: for connecting only, never for printing */
  url: string;
  /** the same URL with the password masked: for messages, logs and `--json` */
  display: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
};

/** The same database as Kafka Connect sees it (often another host name), and whom Debezium logs in as. */
export type ConnectSideDatabase = {
  key: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  /**
   * what the connector config holds instead of the password: a reference the Connect worker's
   * config provider resolves (`connect.passwordFromProvider`), so Connect's REST API shows no secret
   */
  passwordReference?: string;
};

export type ServiceConfig = {
  name: string;
  /** the service's own database, as the role its sink writes with */
  database: DatabaseConfig;
  /** the service's database as Kafka Connect sees it (for the reverse sync) */
  connectSide: ConnectSideDatabase;
  /** base URL the proxy forwards the service's routes to; undefined when not configured */
  upstream?: string;
  /** folder of the service's knex migrations (`ficus migrate <service>`); undefined when none */
  migrations?: string;
};

/**
 * The legacy database's schema as knex migrations, for `ficus migrate legacy` (the example shop's
 * is one; a team whose monolith migrates itself leaves it out).
 */
export type LegacyMigrations = {
  /** the folder of the migrations (absolute) */
  directory: string;
  /** whom they run as: the role that owns the monolith's tables (default: `legacy.url`'s) */
  database: DatabaseConfig;
};

export type UnleashConfig = {
  url: string;
  /** admin API token (stage changes); undefined when this environment gives none */
  adminToken?: string;
  /** client (backend SDK) token the proxy reads flags with */
  clientToken?: string;
  project: string;
  environment: string;
};

export type ProxyAddress = { host: string; port: number };

export type ProxySettings = {
  listen: ProxyAddress;
  adminListen: ProxyAddress;
  /** how the CLI reaches the proxy's admin API */
  adminUrl: string;
  adminToken?: string;
  /** add `x-ficus-backend: monolith | <service>` to answers (the embedded demo turns it on) */
  backendHeader: boolean;
};

export type FicusConfig = {
  /** the file it was read from, or where the embedded stack wrote it */
  file: string;
  /** `file`: a user's configuration; `stack`: the one the embedded stack wrote */
  origin: 'file' | 'stack';
  /** the plan file (absolute) */
  planFile: string;
  /** ficus's state folder in the user's project (stage backups, reports, the stack's files) */
  stateDir: string;
  legacy: {
    database: DatabaseConfig;
    connectSide: ConnectSideDatabase;
    /** the legacy database's own knex migrations (`ficus migrate legacy`); undefined when none */
    migrations?: LegacyMigrations;
  };
  kit: { database: DatabaseConfig };
  services: Record<string, ServiceConfig>;
  kafka: { brokers: string[] };
  connect: { url: string };
  unleash: UnleashConfig;
  monolith: { upstream?: string };
  proxy: ProxySettings;
  cutover: CutoverSettings;
  copy: CopySettings;
};

/** The bulk initial copy (cdc/copy/), per `ficus sync` worker. */
export type CopySettings = {
  /** chunks one worker copies at once (across tables and key ranges) */
  concurrency: number;
  /** rows a second one worker reads out of the legacy database at most; undefined: no bound */
  rowsPerSecond?: number;
  /** about how many rows one chunk (one legacy read transaction) holds */
  chunkRows: number;
};

export type CutoverSettings = {
  /**
   * How long a write cut-over's journal and legacy fence stay alive without a renewal: the bound
   * within which a cut-over whose process died lapses (rollout/cutover-journal.ts). Default 10 s.
   */
  leaseMs: number;
};
