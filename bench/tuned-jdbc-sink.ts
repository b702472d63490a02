/**
 * Debezium's JDBC sink connector at the best a Debezium expert gets from it for a bulk load
 * (issue 14): the reference the sink benches compare ficus with. Why each setting:
 * bench/sink-throughput.ts's header. BENCH_JDBC_BATCH (default 4000) is its batch.size,
 * BENCH_JDBC_FETCH_BYTES (default 4 MiB) the fetch per partition that fills such batches.
 */
import { loadStackConfig } from '../stack/stack-config.ts';
import { urls } from '../test-support/sink-e2e-harness.ts';

export const JDBC_BATCH = Number(process.env.BENCH_JDBC_BATCH ?? 4_000);
export const JDBC_FETCH_BYTES = Number(process.env.BENCH_JDBC_FETCH_BYTES ?? 4_194_304);

/** The connector's config: `topic` drained into `table` of the services cluster's `database`. */
export function tunedJdbcSinkConfig(target: {
  topic: string;
  database: string;
  table: string;
  tasks: number;
}): Record<string, string> {
  const { ports, adminUser } = loadStackConfig();
  // numerics arrive as strings (ficus's decimal.handling.mode): stringtype lets the server cast them
  const options = 'stringtype=unspecified&reWriteBatchedInserts=true';
  return {
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    'tasks.max': String(target.tasks),
    topics: target.topic,
    'connection.url': `jdbc:postgresql://127.0.0.1:${ports.servicesPostgres}/${target.database}?${options}`,
    'connection.username': adminUser,
    'connection.password': urls.adminPassword,
    'insert.mode': 'upsert',
    'delete.enabled': 'true',
    'primary.key.mode': 'record_key',
    'schema.evolution': 'none',
    'collection.name.format': target.table,
    'batch.size': String(JDBC_BATCH),
    'use.reduction.buffer': 'true',
    'consumer.override.max.poll.records': String(JDBC_BATCH),
    'consumer.override.max.partition.fetch.bytes': String(JDBC_FETCH_BYTES),
    'consumer.override.auto.offset.reset': 'earliest',
  };
}
