/**
 * Is each configured component reachable: the legacy DB, the kit DB, each service's DB, Kafka,
 * Kafka Connect and Unleash, and does Unleash accept the admin and the client token. A failure
 * names the configuration key that says where it is (a refused token: the token's key).
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

/** GET with a token; the status, or the error that kept it from answering. */
async function getWith(url: string, token: string): Promise<Response | string> {
  try {
    return await fetch(url, {
      headers: { authorization: token },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return failureText(error);
  }
}

const tokenRefused = (status: number) => status === 401 || status === 403;

/** The admin token (stage changes) is accepted by Unleash's admin API and sees the project. */
export async function unleashAdminTokenCheck(config: FicusConfig): Promise<CheckResult> {
  const { url, adminToken, project } = config.unleash;
  const name = 'Unleash accepts the admin token';
  if (!adminToken)
    return fail(
      name,
      'no admin token configured',
      'set `unleash.adminToken` in the configuration (an Unleash admin API token): stage changes need it',
    );
  const response = await getWith(`${url}/api/admin/projects`, adminToken);
  if (typeof response === 'string')
    return fail(
      name,
      `${url}/api/admin/projects: ${response}`,
      'check `unleash.url` in the configuration',
    );
  if (tokenRefused(response.status))
    return fail(
      name,
      `${url}/api/admin/projects answers ${response.status}: the token is refused`,
      'set `unleash.adminToken` to an admin API token of this Unleash instance',
    );
  if (!response.ok)
    return fail(
      name,
      `${url}/api/admin/projects answers ${response.status}`,
      'check `unleash.url` and `unleash.adminToken` in the configuration',
    );
  const body = (await response.json().catch(() => ({}))) as { projects?: { id: string }[] };
  const ids = (body.projects ?? []).map((p) => p.id);
  if (!ids.includes(project))
    return fail(
      name,
      `accepted, but Unleash has no project "${project}" (it has ${ids.join(', ') || 'none'})`,
      'set `unleash.project` to one of its projects, or create the project in Unleash',
    );
  return pass(name, `accepted; project ${project} exists`);
}

/** The client token (what the proxy reads flags with) is accepted by Unleash's client API. */
export async function unleashClientTokenCheck(config: FicusConfig): Promise<CheckResult> {
  const { url, clientToken } = config.unleash;
  const name = 'Unleash accepts the client token';
  if (!clientToken)
    return fail(
      name,
      'no client token configured',
      'set `unleash.clientToken` in the configuration (an Unleash client API token): the proxy reads its flags with it',
    );
  const response = await getWith(`${url}/api/client/features`, clientToken);
  if (typeof response === 'string')
    return fail(
      name,
      `${url}/api/client/features: ${response}`,
      'check `unleash.url` in the configuration',
    );
  await response.body?.cancel();
  if (tokenRefused(response.status))
    return fail(
      name,
      `${url}/api/client/features answers ${response.status}: the token is refused`,
      'set `unleash.clientToken` to a client API token of this Unleash instance (an admin token is not one)',
    );
  if (!response.ok)
    return fail(
      name,
      `${url}/api/client/features answers ${response.status}`,
      'check `unleash.url` and `unleash.clientToken` in the configuration',
    );
  return pass(name, 'accepted');
}

/** Kafka, Kafka Connect and Unleash with its tokens (the databases are opened by the checks that use them). */
export async function serviceChecks(config: FicusConfig): Promise<CheckResult[]> {
  const [kafka, connect, unleash] = await Promise.all([
    kafkaCheck(config),
    httpCheck('Kafka Connect reachable', `${config.connect.url}/`, 'connect.url'),
    httpCheck('Unleash reachable', `${config.unleash.url}/health`, 'unleash.url'),
  ]);
  // a token is judged only where Unleash answers: otherwise the reachability failure says why
  const tokens = unleash.ok
    ? await Promise.all([unleashAdminTokenCheck(config), unleashClientTokenCheck(config)])
    : [];
  return [kafka, connect, unleash, ...tokens];
}
