/**
 * A single-node Apache Kafka broker in KRaft mode (broker and controller in one JVM), run with
 * `java` from the jars in the cache. Storage is formatted once with a fresh cluster id.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { FicusError } from '../lib/errors.ts';
import type { ProcessSpec } from './processes.ts';

export type BrokerSpec = { home: string; kafkaLibs: string; port: number; controllerPort: number };

const configDir = (spec: BrokerSpec) => path.join(spec.home, 'kafka');
const dataDir = (spec: BrokerSpec) => path.join(spec.home, 'kafka', 'data');
const propertiesFile = (spec: BrokerSpec) => path.join(configDir(spec), 'server.properties');

export const LOG4J2 = `status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
logger.reflections.name = org.reflections
logger.reflections.level = ERROR
`;

function properties(spec: BrokerSpec): string {
  return `# ficus embedded stack: single-node KRaft broker on loopback
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${spec.controllerPort}
listeners=PLAINTEXT://127.0.0.1:${spec.port},CONTROLLER://127.0.0.1:${spec.controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${spec.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${dataDir(spec)}
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.segment.bytes=268435456
`;
}

/**
 * A random cluster id in Kafka's form (16 bytes, base64url). Not one that starts with '-': the
 * storage tool would read it as an option ("--cluster-id: expected one argument"; 1 in 64, seen in
 * CI), which is why Kafka's own Uuid.randomUuid() draws again for those too.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export function javaClasspath(libs: string) {
  return path.join(libs, '*');
}

export function prepareBroker(spec: BrokerSpec): void {
  fs.mkdirSync(configDir(spec), { recursive: true });
  fs.writeFileSync(propertiesFile(spec), properties(spec));
  fs.writeFileSync(path.join(configDir(spec), 'log4j2.properties'), LOG4J2);
  if (fs.existsSync(path.join(dataDir(spec), 'meta.properties'))) return;
  try {
    execFileSync(
      'java',
      [
        '-cp',
        javaClasspath(spec.kafkaLibs),
        `-Dlog4j2.configurationFile=${path.join(configDir(spec), 'log4j2.properties')}`,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        newClusterId(),
        '-c',
        propertiesFile(spec),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
    );
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string };
    throw new FicusError(
      'kafka_format_failed',
      `formatting Kafka storage in ${dataDir(spec)} failed: ${e.stderr || e.stdout}`,
    );
  }
}

export function brokerProcess(spec: BrokerSpec): ProcessSpec {
  return {
    name: 'kafka',
    command: 'java',
    args: [
      '-Xms256m',
      '-Xmx1g',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(configDir(spec), 'log4j2.properties')}`,
      '-cp',
      javaClasspath(spec.kafkaLibs),
      'kafka.Kafka',
      propertiesFile(spec),
    ],
  };
}
