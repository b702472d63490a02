/**
 * What the walkthrough looks at to check its claims: SQL on the demo databases, the proxy's
 * admin API, and plain HTTP to the monolith and the services.
 */
import pg from 'pg';
import { loadPlan } from '../plan/load-plan.ts';
import { loadStackConfig, stackPlanFile } from '../stack/stack-config.ts';
import { stackDatabaseUrl } from '../stack/stack-roles.ts';

/** The demo's databases as the stack's superuser: the walkthrough checks its claims on them. */
const adminUrl = (cluster: 'legacy' | 'services', database: string) =>
  stackDatabaseUrl(loadStackConfig(), loadPlan(stackPlanFile()), cluster, database);

export async function sql<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

export const legacySql = <T extends pg.QueryResultRow>(text: string, params: unknown[] = []) =>
  sql<T>(adminUrl('legacy', 'shop'), text, params);
export const serviceSql = <T extends pg.QueryResultRow>(
  db: string,
  text: string,
  params: unknown[] = [],
) => sql<T>(adminUrl('services', db), text, params);
export const kitSql = <T extends pg.QueryResultRow>(text: string, params: unknown[] = []) =>
  sql<T>(adminUrl('services', 'ficus'), text, params);

/** Matched / compared for a service since a time, from what the proxy recorded. */
export async function matchRate(
  service: string,
  since: Date,
): Promise<{ compared: number; matched: number; rate: number | null }> {
  const [row] = await kitSql<{ compared: string; matched: string }>(
    `SELECT count(*) AS compared, count(*) FILTER (WHERE outcome = 'match') AS matched FROM proxy_comparisons WHERE service = $1 AND read_at >= $2`,
    [service, since],
  );
  const compared = Number(row.compared);
  return {
    compared,
    matched: Number(row.matched),
    rate: compared ? Number(row.matched) / compared : null,
  };
}

export async function http(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    backend: response.headers.get('x-ficus-backend'),
    json: text ? JSON.parse(text) : null,
  };
}
