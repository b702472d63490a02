/**
 * Before a command starts its real work, it reaches each part it needs once, so that a part that
 * is down or misconfigured is named with its address and configuration key
 * (lib/component-error.ts) instead of surfacing later as a raw `ECONNREFUSED` from a driver.
 *
 * @example
 *   await preflight(config, ['legacy', 'kit', 'kafka', { service: 'catalog' }]);
 */
import pg from 'pg';
import { serviceConfig, type DatabaseConfig, type FicusConfig } from '../lib/config/index.ts';
import {
  connectComponent,
  databaseComponent,
  kafkaComponent,
  reaching,
  unleashComponent,
} from '../lib/component-error.ts';
import { createKafkaAdmin } from '../cdc/kafka/kafka-clients.ts';

export type Part = 'legacy' | 'kit' | 'kafka' | 'connect' | 'unleash' | { service: string };

const TIMEOUT_MS = 10_000;

async function probeDatabase(config: FicusConfig, db: DatabaseConfig): Promise<void> {
  await reaching(databaseComponent(config, db), async () => {
    const client = new pg.Client({
      connectionString: db.url,
      connectionTimeoutMillis: TIMEOUT_MS,
    });
    await client.connect();
    await client.end();
  });
}

async function probeKafka(config: FicusConfig): Promise<void> {
  const admin = createKafkaAdmin({
    brokers: config.kafka.brokers,
    clientId: 'ficus-preflight',
    tuning: { retry: { retries: 1, initialRetryTime: 300 }, connectionTimeout: TIMEOUT_MS },
  });
  await reaching(kafkaComponent(config), async () => {
    await admin.connect();
    await admin.disconnect();
  });
}

async function probeHttp(url: string): Promise<void> {
  // any answer will do: this checks that something listens there, not that it is healthy
  await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) }).then((r) => r.body?.cancel());
}

function probe(config: FicusConfig, part: Part): Promise<void> {
  if (part === 'legacy') return probeDatabase(config, config.legacy.database);
  if (part === 'kit') return probeDatabase(config, config.kit.database);
  if (part === 'kafka') return probeKafka(config);
  if (part === 'connect')
    return reaching(connectComponent(config), () => probeHttp(`${config.connect.url}/`));
  if (part === 'unleash')
    return reaching(unleashComponent(config), () => probeHttp(`${config.unleash.url}/health`));
  return probeDatabase(config, serviceConfig(config, part.service).database);
}

/** Reaches every part at once; the first that cannot be reached is the error. */
export async function preflight(config: FicusConfig, parts: Part[]): Promise<void> {
  await Promise.all(parts.map((part) => probe(config, part)));
}
