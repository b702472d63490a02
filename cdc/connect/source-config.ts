/**
 * Debezium Postgres source connectors, derived from the plan: one per service and direction.
 * - forward: captures, in the legacy DB, every table the service owns or replicates;
 * - reverse: captures, in the service's own DB, the tables it owns (once it owns the writes).
 * Each connector has its own replication slot and publication (ficus creates and updates the
 * publication itself, so a plan edit changes what is captured), a heartbeat table written by
 * Debezium's heartbeat action query (keeps the slot moving when captured tables are idle, and
 * lets `ficus verify` find a consistent point), and a signal table (`ficus connectors snapshot`
 * re-snapshots a table on demand). Pure: names and config only; source-database.ts does the SQL.
 */
import type { Direction } from '../../plan/mapping.ts';
import type { Plan, ServicePlan } from '../../plan/plan-types.ts';
import { quoteLiteral, quoteTable } from '../../lib/sql.ts';
import type { ConnectorConfig } from './connect-client.ts';
import { UNAVAILABLE_VALUE_PLACEHOLDER } from '../sink/unavailable-value.ts';
import { debeziumTopic } from '../sink/debezium-topic.ts';
import { ConfigError } from '../../lib/errors.ts';
import {
  sourceTableOf,
  tableKey,
  targetTableOf,
  type QualifiedTable,
} from '../../plan/qualified-table.ts';

export type DatabaseEndpoint = {
  host: string;
  port: number;
  user: string;
  password: string;
  /**
   * what the connector config says instead of the password: a reference the Connect worker's
   * config provider resolves, e.g. `${file:/etc/kafka/secrets.properties:debezium}`
   */
  passwordReference?: string;
  database: string;
};
export type { QualifiedTable };

/** Whether a direction's connector starts with Debezium's snapshot (else: ficus's copy, or nothing). */
export const snapshotsFirst = (service: ServicePlan, direction: Direction): boolean =>
  direction === 'forward' && service.initialLoad === 'debezium-snapshot';

/** Whether `ficus connectors apply` asks the sync to copy the tables of a new forward connector. */
export const copiesFirst = (service: ServicePlan, direction: Direction): boolean =>
  direction === 'forward' && (service.initialLoad ?? 'copy') === 'copy';

export type SourceConnectorSpec = {
  name: string;
  service: string;
  direction: Direction;
  endpoint: DatabaseEndpoint;
  slot: string;
  publication: string;
  topicPrefix: string;
  /** the data tables captured (their topics are `<topicPrefix>.<schema>.<table>`) */
  tables: QualifiedTable[];
  /** the plan keys of each captured table, by tableKey and the captured side's column names */
  keys: Map<string, string[][]>;
  /** the same keys with where the plan names each, for findings */
  planKeys: Map<string, PlanKey[]>;
  /** where kit tables live in the source DB (heartbeat, signal) */
  kitSchema: string;
  heartbeatTable: QualifiedTable;
  signalTable: QualifiedTable;
  config: ConnectorConfig;
};

export type SourceSpecOptions = {
  /** the legacy DB (forward) or the service's DB (reverse), as a role with REPLICATION */
  endpoint: DatabaseEndpoint;
  /** prefix of every name (connector, slot, publication, topics); tests pass a random one */
  prefix?: string;
  heartbeatIntervalMs?: number;
};

export const KIT_SCHEMA = 'ficus_cdc';
const HEARTBEAT = 'heartbeat';
const SIGNAL = 'signal';

/**
 * How Debezium writes values, which the sink's decoding (cdc/sink/decode-value.ts) reads back:
 * numerics as their exact text; times in microseconds; intervals as ISO 8601 text, which
 * PostgreSQL reads exactly (the default, `numeric`, gives microseconds with a month counted as
 * 30.4375 days: `1 mon` would arrive as `730:30:00`); and the placeholder of unchanged TOASTed
 * values the sink recognises (cdc/sink/unavailable-value.ts), Debezium's default made explicit.
 */
export const VALUE_HANDLING = {
  'decimal.handling.mode': 'string',
  'time.precision.mode': 'adaptive_time_microseconds',
  'interval.handling.mode': 'string',
  'unavailable.value.placeholder': UNAVAILABLE_VALUE_PLACEHOLDER,
} as const;

const slotSafe = (s: string) => s.toLowerCase().replace(/[^a-z0-9_]/g, '_');
/**
 * Debezium's include lists are comma-separated regular expressions matched against the whole
 * `schema.table`: the dot between them and any regex character in a name are escaped, so that
 * `a.b` matches only itself; a comma cannot be expressed at all.
 */
export function includeEntry(t: QualifiedTable): string {
  const name = `${t.schema}.${t.table}`;
  if (name.includes(','))
    throw new ConfigError(
      `table ${name}: Debezium's table.include.list cannot name a schema or table with a comma in it; rename it`,
    );
  return `${escapeRegex(t.schema)}\\.${escapeRegex(t.table)}`;
}
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function connectorName(service: string, direction: Direction, prefix = 'ficus'): string {
  return `${prefix}.${service}.${direction}`;
}

/** Same naming as the sink's defaultTopicPrefix (cdc/sink/sink-topology.ts) for the default prefix. */
export function topicPrefix(service: string, direction: Direction, prefix = 'ficus'): string {
  return direction === 'forward' ? `${prefix}.${service}` : `${prefix}.${service}.reverse`;
}

export function topicOf(
  spec: Pick<SourceConnectorSpec, 'topicPrefix'>,
  table: QualifiedTable,
): string {
  return debeziumTopic(spec.topicPrefix, table);
}

/** The data tables a direction captures: forward everything the service reads, reverse what it owns. */
export function capturedTables(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
): QualifiedTable[] {
  if (direction === 'reverse') return service.owns.map((t) => targetTableOf(service, t));
  const tables = [...service.owns, ...service.replicates].map((t) => sourceTableOf(plan, t));
  const unique = new Map(tables.map((t) => [tableKey(t), t]));
  return [...unique.values()];
}

/** A plan key of a captured table, in the captured side's column names, and where the plan says it. */
export type PlanKey = { key: string[]; planPath: string };

/**
 * Plan keys per captured table (by tableKey), in the column names the captured side uses, each
 * with its place in the plan (`services.<s>.owns[i].key`) for the findings that name it.
 */
export function planKeysByTable(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
): Map<string, PlanKey[]> {
  const keys = new Map<string, PlanKey[]>();
  const add = (table: QualifiedTable, key: string[], planPath: string) =>
    keys.set(tableKey(table), [...(keys.get(tableKey(table)) ?? []), { key, planPath }]);
  const path = (list: 'owns' | 'replicates', i: number) =>
    `services.${service.name}.${list}[${i}].key`;
  if (direction === 'forward') {
    service.owns.forEach((t, i) => add(sourceTableOf(plan, t), t.key, path('owns', i)));
    service.replicates.forEach((t, i) => add(sourceTableOf(plan, t), t.key, path('replicates', i)));
  } else
    service.owns.forEach((t, i) =>
      add(
        targetTableOf(service, t),
        t.key.map((k) => t.columns?.[k]?.target ?? k),
        path('owns', i),
      ),
    );
  return keys;
}

/** Plan keys per captured table (by tableKey), in the column names the captured side uses. */
export function keysByTable(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
): Map<string, string[][]> {
  const withPaths = planKeysByTable(plan, service, direction);
  return new Map([...withPaths].map(([table, keys]) => [table, keys.map((k) => k.key)]));
}

export function sourceConnectorSpec(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
  options: SourceSpecOptions,
): SourceConnectorSpec {
  const prefix = options.prefix ?? 'ficus';
  const name = connectorName(service.name, direction, prefix);
  const slot = slotSafe(`${prefix}_${service.name}_${direction}`);
  const tables = capturedTables(plan, service, direction);
  const heartbeatTable = { schema: KIT_SCHEMA, table: HEARTBEAT };
  const signalTable = { schema: KIT_SCHEMA, table: SIGNAL };
  const { endpoint } = options;
  const prefixOfTopics = topicPrefix(service.name, direction, prefix);
  const heartbeatTarget = quoteTable(heartbeatTable.schema, heartbeatTable.table);
  const config: ConnectorConfig = {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'database.hostname': endpoint.host,
    'database.port': String(endpoint.port),
    'database.user': endpoint.user,
    'database.password': endpoint.passwordReference ?? endpoint.password,
    'database.dbname': endpoint.database,
    'plugin.name': 'pgoutput',
    'slot.name': slot,
    'publication.name': slot,
    // ficus creates and updates the publication itself (source-database.ts), so plan edits apply
    'publication.autocreate.mode': 'disabled',
    'table.include.list': [...tables, heartbeatTable, signalTable].map(includeEntry).join(','),
    'topic.prefix': prefixOfTopics,
    'heartbeat.interval.ms': String(options.heartbeatIntervalMs ?? 5000),
    'heartbeat.action.query':
      `INSERT INTO ${heartbeatTarget} (connector, beat_at) VALUES (${quoteLiteral(name)}, now()) ` +
      'ON CONFLICT (connector) DO UPDATE SET beat_at = EXCLUDED.beat_at',
    'signal.enabled.channels': 'source',
    'signal.data.collection': `${signalTable.schema}.${signalTable.table}`,
    // Debezium skips truncates by default; the sink applies them (op=t)
    'skipped.operations': 'none',
    // each column's schema names its PostgreSQL type, so that the sink sees a column's type
    // change in the events themselves (cdc/sink/schema-diff.ts); logical decoding carries no DDL
    'column.propagate.source.type': tables.map((t) => `${includeEntry(t)}\\..*`).join(','),
    // the default 500 ms poll alone costs half a second of lag; 50 ms keeps p99 near 100 ms (bench/lag-end-to-end.ts)
    'poll.interval.ms': '50',
    ...VALUE_HANDLING,
    // Forward starts with a snapshot of the legacy tables when the plan asks for Debezium's; by
    // default ficus copies them itself (cdc/copy/) and the connector only streams. Reverse never
    // snapshots: the service's tables were filled *from* legacy, so only changes after the
    // cut-over have anywhere to go.
    'snapshot.mode': snapshotsFirst(service, direction) ? 'initial' : 'no_data',
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'true',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'true',
    // a change of the plan key must not silently lose the old row: Debezium then sends delete + create
    'tombstones.on.delete': 'true',
  };
  return {
    name,
    service: service.name,
    direction,
    endpoint,
    slot,
    publication: slot,
    topicPrefix: prefixOfTopics,
    tables,
    keys: keysByTable(plan, service, direction),
    planKeys: planKeysByTable(plan, service, direction),
    kitSchema: KIT_SCHEMA,
    heartbeatTable,
    signalTable,
    config,
  };
}
