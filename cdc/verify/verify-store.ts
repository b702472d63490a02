/**
 * Verify runs in the kit's own database (`ficus` on the services cluster): each run, its chunk
 * boundaries and every finished chunk, so `ficus verify --resume` continues an interrupted run,
 * and the result of each finished run, so gates can ask "was there a recent clean verify?"
 * (`latestVerify`). The tables are created on first use (idempotent DDL).
 */
import type pg from 'pg';
import type { Counts, SampleKeys } from './compare-rows.ts';

type Db = Pick<pg.Pool, 'query'>;

export const VERIFY_DDL = `
CREATE TABLE IF NOT EXISTS ficus_verify_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  clean boolean,
  -- the legacy WAL position the service was caught up to (null: compared as of "now")
  consistent_lsn pg_lsn,
  chunk_size integer NOT NULL,
  result jsonb
);
CREATE INDEX IF NOT EXISTS ficus_verify_runs_service ON ficus_verify_runs (service, started_at DESC);
CREATE TABLE IF NOT EXISTS ficus_verify_tables (
  run_id bigint NOT NULL REFERENCES ficus_verify_runs (id) ON DELETE CASCADE,
  target_table text NOT NULL,
  boundaries jsonb NOT NULL,
  PRIMARY KEY (run_id, target_table)
);
CREATE TABLE IF NOT EXISTS ficus_verify_chunks (
  run_id bigint NOT NULL REFERENCES ficus_verify_runs (id) ON DELETE CASCADE,
  target_table text NOT NULL,
  chunk_no integer NOT NULL,
  result jsonb NOT NULL,
  PRIMARY KEY (run_id, target_table, chunk_no)
);`;

export type ChunkResult = Counts & { samples: SampleKeys; differing: string[][] };

export type VerifyRunSummary = {
  id: number;
  service: string;
  finishedAt: Date;
  clean: boolean;
  counts: Counts;
};

export async function ensureVerifyTables(db: Db): Promise<void> {
  await db.query(VERIFY_DDL);
}

export async function startRun(
  db: Db,
  service: string,
  chunkSize: number,
  lsn: string | null,
): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO ficus_verify_runs (service, chunk_size, consistent_lsn) VALUES ($1, $2, $3) RETURNING id',
    [service, chunkSize, lsn],
  );
  return Number(rows[0].id);
}

/** The newest unfinished run of the service, if any. */
export async function findUnfinishedRun(
  db: Db,
  service: string,
): Promise<{ id: number; chunkSize: number } | undefined> {
  const { rows } = await db.query<{ id: string; chunk_size: number }>(
    'SELECT id, chunk_size FROM ficus_verify_runs WHERE service = $1 AND finished_at IS NULL ORDER BY started_at DESC LIMIT 1',
    [service],
  );
  return rows[0] ? { id: Number(rows[0].id), chunkSize: rows[0].chunk_size } : undefined;
}

/** Per-table store of one run, what verifyTable needs to resume. */
export function runTableStore(db: Db, runId: number, targetTable: string) {
  return {
    async loadBoundaries(): Promise<string[][] | undefined> {
      const { rows } = await db.query<{ boundaries: string[][] }>(
        'SELECT boundaries FROM ficus_verify_tables WHERE run_id = $1 AND target_table = $2',
        [runId, targetTable],
      );
      return rows[0]?.boundaries;
    },
    async saveBoundaries(boundaries: string[][]): Promise<void> {
      await db.query(
        'INSERT INTO ficus_verify_tables (run_id, target_table, boundaries) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [runId, targetTable, JSON.stringify(boundaries)],
      );
    },
    async loadChunks(): Promise<Map<number, ChunkResult>> {
      const { rows } = await db.query<{ chunk_no: number; result: ChunkResult }>(
        'SELECT chunk_no, result FROM ficus_verify_chunks WHERE run_id = $1 AND target_table = $2',
        [runId, targetTable],
      );
      return new Map(rows.map((r) => [r.chunk_no, r.result]));
    },
    async saveChunk(chunkNo: number, result: ChunkResult): Promise<void> {
      await db.query(
        'INSERT INTO ficus_verify_chunks (run_id, target_table, chunk_no, result) VALUES ($1, $2, $3, $4) ON CONFLICT (run_id, target_table, chunk_no) DO UPDATE SET result = EXCLUDED.result',
        [runId, targetTable, chunkNo, JSON.stringify(result)],
      );
    },
  };
}

export type ChunkStore = ReturnType<typeof runTableStore>;

export async function finishRun(
  db: Db,
  runId: number,
  clean: boolean,
  result: unknown,
): Promise<void> {
  await db.query(
    'UPDATE ficus_verify_runs SET finished_at = now(), clean = $2, result = $3 WHERE id = $1',
    [runId, clean, JSON.stringify(result)],
  );
}

/** The newest finished verify of a service: what the gates read. */
export async function latestVerify(db: Db, service: string): Promise<VerifyRunSummary | undefined> {
  const { rows } = await db.query<{
    id: string;
    finished_at: Date;
    clean: boolean;
    result: { tables: Counts[] };
  }>(
    `SELECT id, finished_at, clean, result FROM ficus_verify_runs
     WHERE service = $1 AND finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1`,
    [service],
  );
  if (!rows[0]) return undefined;
  const counts: Counts = {
    rows: 0,
    matching: 0,
    mismatched: 0,
    missingInTarget: 0,
    extraInTarget: 0,
  };
  for (const t of rows[0].result.tables)
    for (const k of Object.keys(counts) as (keyof Counts)[]) counts[k] += t[k];
  return {
    id: Number(rows[0].id),
    service,
    finishedAt: rows[0].finished_at,
    clean: rows[0].clean,
    counts,
  };
}
