/**
 * What a source database must hold before a connector is created on it, as findings with their
 * fix: `wal_level = logical`, and a key for every captured table (table-keys.ts). `ficus check`
 * lists the same findings (cli/check/), and `applyConnector` refuses with them before it creates
 * anything, so both say the same thing in the same words.
 */
import type pg from 'pg';
import { FicusError } from '../../lib/errors.ts';
import { tableKey } from '../../plan/qualified-table.ts';
import type { PlanKey, SourceConnectorSpec } from './source-config.ts';
import { keylessFinding, readTableKeys, type Finding, type TableKeys } from './table-keys.ts';

type Db = Pick<pg.Client, 'query'>;

/** A finding with what it is about: `wal_level`, or the table's `schema.table`. */
export type SourceFinding = Finding & { name: string };

export class SourcePrerequisiteError extends FicusError {
  constructor(where: string, findings: SourceFinding[]) {
    super(
      'source_prerequisite',
      `${where} is not ready for change capture (\`ficus check\` lists every prerequisite):\n` +
        findings.map((f) => `- ${f.name}: ${f.detail}\n  fix: ${f.fix}`).join('\n'),
      { status: 409, details: { findings } },
    );
  }
}

export async function walLevel(db: Db): Promise<string> {
  const { rows } = await db.query<{ level: string }>(
    "SELECT current_setting('wal_level') AS level",
  );
  return rows[0].level;
}

export function walLevelFinding(level: string, where: string): SourceFinding | undefined {
  if (level === 'logical') return undefined;
  return {
    name: `${where} has wal_level = logical`,
    detail: `wal_level = ${level}: logical decoding (Debezium) needs logical`,
    fix: 'as a superuser: ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL',
  };
}

/** The keyless-table finding of one table, named by the table. */
export function tableKeyFinding(keys: TableKeys, planKeys: PlanKey[]): SourceFinding | undefined {
  const finding = keylessFinding(keys, planKeys);
  return finding && { name: `${keys.table.schema}.${keys.table.table} has a key`, ...finding };
}

/**
 * Reads what the captured tables have and refuses (SourcePrerequisiteError) when the database or
 * a table is not ready; returns each table's keys for the preparation that follows.
 */
export async function requireCaptureReady(
  db: Db,
  spec: Pick<SourceConnectorSpec, 'tables' | 'planKeys'>,
  where: string,
): Promise<TableKeys[]> {
  const keys = [];
  for (const table of spec.tables) keys.push(await readTableKeys(db, table));
  const findings = [
    walLevelFinding(await walLevel(db), where),
    ...keys.map((k) => tableKeyFinding(k, spec.planKeys.get(tableKey(k.table)) ?? [])),
  ].filter((f): f is SourceFinding => f !== undefined);
  if (findings.length) throw new SourcePrerequisiteError(where, findings);
  return keys;
}
