/**
 * The record of each `verify --repair` in the kit DB (table verify_repairs, migrations/kit/0303):
 * written by the repair, read by `ficus status` and `ficus report` (the latest per service).
 */
import { tableExists } from '../../lib/table-exists.ts';
import { FicusError } from '../../lib/errors.ts';
import type { SqlRunner } from '../sink/sync-tables.ts';

export type RepairedTable = {
  source: string;
  target: string;
  direction: 'forward' | 'reverse';
  planned: { copy: number; remove: number };
  copied: number;
  deleted: number;
  /** differences left in the repaired chunks at the re-verify */
  remaining: number;
};

export type RepairRecord = {
  id: number;
  service: string;
  actor: string;
  direction: 'forward' | 'reverse';
  startedAt: string;
  finishedAt: string;
  tables: RepairedTable[];
  cleanAfter: boolean;
};

export async function recordRepair(
  db: SqlRunner,
  repair: Omit<RepairRecord, 'id' | 'finishedAt'>,
): Promise<number> {
  const { rows } = await db
    .query(
      `INSERT INTO verify_repairs (service, actor, direction, started_at, tables, clean_after)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        repair.service,
        repair.actor,
        repair.direction,
        repair.startedAt,
        JSON.stringify(repair.tables),
        repair.cleanAfter,
      ],
    )
    .catch((error: { code?: string }) => {
      throw error.code === '42P01'
        ? new FicusError(
            'kit_not_migrated',
            'the kit DB has no table verify_repairs: run `ficus migrate kit` (migration 0303) to record repairs',
          )
        : error;
    });
  return Number((rows[0] as { id: string }).id);
}

type RepairRow = {
  id: string;
  service: string;
  actor: string;
  direction: 'forward' | 'reverse';
  started_at: Date;
  finished_at: Date;
  tables: RepairedTable[];
  clean_after: boolean;
};

/**
 * The newest repair of every service (none when the kit DB predates migration 0303). No bound
 * parameters, so knex's `raw` runs it as it is (`?` placeholders) as well as node-postgres.
 */
export async function latestRepairs(db: SqlRunner): Promise<RepairRecord[]> {
  if (!(await tableExists(db, 'verify_repairs'))) return [];
  const { rows } = await db.query(
    `SELECT DISTINCT ON (service) * FROM verify_repairs ORDER BY service, finished_at DESC, id DESC`,
  );
  return (rows as RepairRow[]).map((r) => ({
    id: Number(r.id),
    service: r.service,
    actor: r.actor,
    direction: r.direction,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: new Date(r.finished_at).toISOString(),
    tables: r.tables,
    cleanAfter: r.clean_after,
  }));
}
