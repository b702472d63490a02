/**
 * A Kafka Connect distributed worker with the Debezium PostgreSQL source connector and the
 * Debezium JDBC sink connector on its plugin path. Converters default to JSON with schemas, as
 * the JDBC sink needs schemas to create and fill tables.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LOG4J2, javaClasspath } from './kafka-broker.ts';
import type { ProcessSpec } from './processes.ts';

export type ConnectSpec = {
  home: string;
  kafkaLibs: string;
  pluginsDir: string;
  port: number;
  bootstrap: string;
};

export const CONNECT_PLUGINS = [
  'io.debezium.connector.postgresql.PostgresConnector',
  'io.debezium.connector.jdbc.JdbcSinkConnector',
];

function properties(spec: ConnectSpec): string {
  return `# ficus embedded stack: Kafka Connect distributed worker
bootstrap.servers=${spec.bootstrap}
group.id=ficus-connect
key.converter=org.apache.kafka.connect.json.JsonConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
key.converter.schemas.enable=true
value.converter.schemas.enable=true
config.storage.topic=ficus-connect-configs
offset.storage.topic=ficus-connect-offsets
status.storage.topic=ficus-connect-status
config.storage.replication.factor=1
offset.storage.replication.factor=1
status.storage.replication.factor=1
offset.storage.partitions=5
status.storage.partitions=1
offset.flush.interval.ms=1000
listeners=http://127.0.0.1:${spec.port}
rest.advertised.host.name=127.0.0.1
rest.advertised.port=${spec.port}
plugin.path=${spec.pluginsDir}
topic.creation.enable=true
# Connector configs name secrets instead of holding them (\${file:<path>:<key>}): the worker reads
# them from files, and Connect's REST API, which has no authentication, never shows a password.
config.providers=file
config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
`;
}

export function connectProcess(spec: ConnectSpec): ProcessSpec {
  const dir = path.join(spec.home, 'connect');
  fs.mkdirSync(dir, { recursive: true });
  const props = path.join(dir, 'connect-distributed.properties');
  fs.writeFileSync(props, properties(spec));
  fs.writeFileSync(path.join(dir, 'log4j2.properties'), LOG4J2);
  return {
    name: 'connect',
    command: 'java',
    args: [
      '-Xms256m',
      '-Xmx1g',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(dir, 'log4j2.properties')}`,
      '-cp',
      javaClasspath(spec.kafkaLibs),
      'org.apache.kafka.connect.cli.ConnectDistributed',
      props,
    ],
  };
}

/** Healthy when the REST API answers and lists both Debezium plugins. */
export async function connectHealthy(url: string): Promise<boolean> {
  const response = await fetch(`${url}/connector-plugins`, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) return false;
  const plugins = (await response.json()) as { class: string }[];
  return CONNECT_PLUGINS.every((p) => plugins.some((x) => x.class === p));
}
