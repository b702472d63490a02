/**
 * Is each configured component reachable: the legacy DB, the kit DB, each service's DB, Kafka,
 * Kafka Connect and Unleash. A failure names the configuration key that says where it is.
 */
import pg from 'pg';
import type { DatabaseConfig, FicusConfig } from '../../lib/config/index.ts';
import { createKafkaAdmin } from '../../cdc/kafka/kafka-clients.ts';
import { fail, failureText, pass, type CheckResult } from './check-result.ts';

const TIMEOUT_MS = 5_000;

/** A connected client for the checks that follow, or undefined when it could not connect. */
export async function openDatabase(
  db: DatabaseConfig,
  what: string,
  results: CheckResult[],
): Promise<pg.Client | undefined> {
  const name = `${what} reachable`;
  const client = new pg.Client({
    connectionString: db.url,
    connectionTimeoutMillis: TIMEOUT_MS,
    options: '-c TimeZone=UTC',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string }>(
      "SELECT current_setting('server_version') AS version",
    );
    results.push(pass(name, `${db.display} (PostgreSQL ${rows[0].version})`));
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    results.push(
      fail(
        name,
        `${db.display}: ${failureText(error)}`,
        `check \`${db.key}\` (url, password) in the configuration, and that the database accepts ${db.user}`,
      ),
    );
    return undefined;
  }
}

async function httpCheck(name: string, url: string, key: string): Promise<CheckResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.ok) return pass(name, `${url} answers ${response.status}`);
    return fail(name, `${url} answers ${response.status}`, `check \`${key}\` in the configuration`);
  } catch (error) {
    return fail(name, `${url}: ${failureText(error)}`, `check \`${key}\` in the configuration`);
  }
}

async function kafkaCheck(config: FicusConfig): Promise<CheckResult> {
  const name = 'Kafka reachable';
  const admin = createKafkaAdmin({
    brokers: config.kafka.brokers,
    clientId: 'ficus-check',
    tuning: { connectionTimeout: TIMEOUT_MS, retry: { retries: 1 } },
  });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return pass(name, `${config.kafka.brokers.join(', ')}: ${cluster.brokers.length} broker(s)`);
  } catch (error) {
    return fail(
      name,
      `${config.kafka.brokers.join(', ')}: ${failureText(error)}`,
      'check `kafka.brokers` in the configuration',
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Kafka, Kafka Connect and Unleash (the databases are opened by the checks that use them). */
export function serviceChecks(config: FicusConfig): Promise<CheckResult[]> {
  return Promise.all([
    kafkaCheck(config),
    httpCheck('Kafka Connect reachable', `${config.connect.url}/`, 'connect.url'),
    httpCheck('Unleash reachable', `${config.unleash.url}/health`, 'unleash.url'),
  ]);
}
