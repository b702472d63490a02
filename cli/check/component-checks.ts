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

type TokenKind = {
  name: string;
  /** the configuration key of the token, e.g. `unleash.adminToken` */
  key: string;
  token: string | undefined;
  /** the API path a token of this kind may read */
  path: string;
  /** what the token is, with its article (`an admin API token`), and who needs it */
  what: string;
  needs: string;
};

/**
 * One token against the Unleash API it is for: the answer when accepted, or the failure naming
 * the token's configuration key (none set, refused) or `unleash.url` (no answer).
 */
async function tokenProbe(
  url: string,
  kind: TokenKind,
): Promise<{ response: Response } | { failed: CheckResult }> {
  const failed = (detail: string, fix: string) => ({ failed: fail(kind.name, detail, fix) });
  if (!kind.token)
    return failed(
      `no token configured at \`${kind.key}\``,
      `set \`${kind.key}\` in the configuration (${kind.what} of Unleash): ${kind.needs}`,
    );
  const endpoint = `${url}${kind.path}`;
  let response: Response;
  try {
    response = await fetch(endpoint, {
      headers: { authorization: kind.token },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return failed(`${endpoint}: ${failureText(error)}`, 'check `unleash.url` in the configuration');
  }
  if (response.ok) return { response };
  await response.body?.cancel();
  if (response.status === 401 || response.status === 403)
    return failed(
      `${endpoint} answers ${response.status}: the token is refused`,
      `set \`${kind.key}\` to ${kind.what} of this Unleash instance`,
    );
  return failed(
    `${endpoint} answers ${response.status}`,
    `check \`unleash.url\` and \`${kind.key}\` in the configuration`,
  );
}

/** The admin token (stage changes) is accepted by Unleash's admin API and sees the project. */
export async function unleashAdminTokenCheck(config: FicusConfig): Promise<CheckResult> {
  const { url, adminToken, project } = config.unleash;
  const name = 'Unleash accepts the admin token';
  const probe = await tokenProbe(url, {
    name,
    key: 'unleash.adminToken',
    token: adminToken,
    path: '/api/admin/projects',
    what: 'an admin API token',
    needs: 'stage changes need it',
  });
  if ('failed' in probe) return probe.failed;
  const body = (await probe.response.json().catch(() => ({}))) as { projects?: { id: string }[] };
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
  const probe = await tokenProbe(config.unleash.url, {
    name: 'Unleash accepts the client token',
    key: 'unleash.clientToken',
    token: config.unleash.clientToken,
    path: '/api/client/features',
    what: 'a client API token',
    needs: 'the proxy reads its flags with it (an admin token is not one)',
  });
  if ('failed' in probe) return probe.failed;
  await probe.response.body?.cancel();
  return pass('Unleash accepts the client token', 'accepted');
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
