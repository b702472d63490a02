/**
 * The one place ficus builds kafkajs clients (the sink's consumer and producer, the admin clients
 * of the cut-over, the gates, `ficus verify`, the stack and the tests), so that how ficus talks to
 * Kafka is set once: quiet unless given a logger, kafkajs's own retries unless told otherwise.
 *
 *   const admin = createKafkaAdmin({ brokers: ['127.0.0.1:19092'], clientId: 'ficus-verify' });
 *   await admin.connect();
 */
import { Kafka, logLevel, type Admin, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from '../../lib/logger.ts';

export type KafkaClientOptions = {
  /** bootstrap servers, `host:port` */
  brokers: string[];
  clientId: string;
  /** where kafkajs's own warnings and errors go; without it kafkajs logs nothing */
  log?: Logger;
  /** kafkajs settings that differ from its defaults */
  tuning?: Pick<KafkaConfig, 'retry' | 'connectionTimeout'>;
};

/** kafkajs log entries as ficus log lines: errors and warnings only. */
function kafkaLogCreator(log: Logger) {
  return () =>
    ({ level, log: entry }: LogEntry) => {
      const { message, ...rest } = entry;
      if (level <= logLevel.ERROR) log.error(message, rest);
      else if (level === logLevel.WARN) log.warn(message, rest);
    };
}

export function createKafkaClient(options: KafkaClientOptions): Kafka {
  const { brokers, clientId, log, tuning } = options;
  return new Kafka({
    clientId,
    brokers,
    ...(log
      ? { logLevel: logLevel.WARN, logCreator: kafkaLogCreator(log) }
      : { logLevel: logLevel.NOTHING }),
    ...tuning,
  });
}

/** An admin client, not yet connected. */
export function createKafkaAdmin(options: KafkaClientOptions): Admin {
  return createKafkaClient(options).admin();
}
