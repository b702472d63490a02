/**
 * Database-per-service, enforced by the database (FTGO style): every service of the plan logs in
 * as its own role, which may open its own database and nothing else: not another service's, not
 * the kit's `ficus`, not Unleash's, and not the legacy `shop` on the legacy cluster. Postgres must
 * refuse those connections itself (permission or authentication error), not merely hold no data.
 */
import pg from 'pg';
import { loadPlan } from '../../plan/load-plan.ts';
import { stackRoleUrl } from '../../test-support/stack-access.ts';

const services = loadPlan().services;

/** SQLSTATEs of a refused login: no CONNECT privilege, no such role / bad password, hba reject. */
const REFUSED = ['42501', '28P01', '28000'];

async function tryConnect(
  url: string,
): Promise<
  { ok: true; user: string; database: string } | { ok: false; code: string; message: string }
> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query(
      'SELECT current_user AS user, current_database() AS database',
    );
    return { ok: true, ...rows[0] };
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return { ok: false, code: code ?? 'none', message };
  } finally {
    await client.end().catch(() => {});
  }
}

describe.each(services.map((s) => [s.name, s.database]))('role %s', (role, database) => {
  const as = (cluster: 'services' | 'legacy', db: string) => stackRoleUrl(cluster, db, role);

  it(`opens its own database ${database}`, async () => {
    expect(await tryConnect(as('services', database))).toEqual({ ok: true, user: role, database });
  });

  const forbidden: ['services' | 'legacy', string][] = [
    ...services
      .filter((s) => s.name !== role)
      .map((s) => ['services', s.database] as ['services', string]),
    ['services', 'ficus'],
    ['services', 'unleash'],
    ['legacy', 'shop'],
  ];
  it.each(forbidden)(
    'is refused by Postgres on the %s cluster, database %s',
    async (cluster, db) => {
      const result = await tryConnect(as(cluster, db));
      expect(result).toMatchObject({ ok: false });
      if (!result.ok) expect(REFUSED).toContain(result.code);
    },
  );
});
