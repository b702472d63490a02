/**
 * The bulk initial copy of one service, run by its forward sync workers (`ficus sync`): whatever
 * `ficus connectors apply` asked for in the service DB (copy-store.ts) is copied straight from the
 * legacy database, chunk by chunk (copy-chunk.ts), while the sink holds those tables' change
 * events in Kafka; once a table is copied the sink applies them, skipping the ones the copy holds
 * (copy-filter.ts). See cdc/copy/README.md.
 *
 * Parallel: `concurrency` chunks at once per worker, across tables and key ranges; several workers
 * share the chunks (each claims one with SKIP LOCKED). Bounded: at most `rowsPerSecond` rows a
 * second per worker out of the legacy database. Resumable: a chunk is copied in one transaction
 * with its record, so a worker killed at any point leaves whole chunks copied and the rest to do.
 */
import pg from 'pg';
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { backoffDelay, isTransient, type RetryOptions } from '../../lib/retry.ts';
import { sleep } from '../../lib/wait.ts';
import { compileServiceTables } from '../../plan/compile-service.ts';
import { describeExistingTable } from '../../plan/describe-table.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { tableLabel } from '../../plan/qualified-table.ts';
import { copyNextChunk, type CopyShape } from './copy-chunk.ts';
import { copyShape, planRanges } from './copy-plan.ts';
import { copyProgress, formatCopyProgress, type CopyProgress } from './copy-progress.ts';
import { waitForCopyStart } from './copy-start-point.ts';
import { finishCopy, readCopies, startCopy, type CopyTableRow } from './copy-store.ts';
import { createRowRate } from './row-rate.ts';
import type { CopySettings } from '../../lib/config/config-types.ts';
import {
  DEFAULT_COPY_CHUNK_ROWS,
  DEFAULT_COPY_CONCURRENCY,
} from '../../lib/config/parse-config.ts';

export type { CopySettings };

export const DEFAULT_COPY_SETTINGS: CopySettings = {
  concurrency: DEFAULT_COPY_CONCURRENCY,
  chunkRows: DEFAULT_COPY_CHUNK_ROWS,
};

export type ServiceCopierOptions = {
  service: string;
  plan: Plan;
  legacyUrl: string;
  serviceUrl: string;
  settings: CopySettings;
  log: Logger;
  retry: RetryOptions;
  /** records the progress (the kit DB, for `ficus status`); a failure is logged, never stops the copy */
  recordProgress?: (progress: CopyProgress[]) => Promise<void>;
  /** how often to look for copies to do, and to report progress */
  intervalMs?: number;
};

export type ServiceCopier = {
  stats(): { chunks: number; rows: number; errors: number };
  stop(): Promise<void>;
};

export function startServiceCopier(options: ServiceCopierOptions): ServiceCopier {
  const { service, log, settings } = options;
  const intervalMs = options.intervalMs ?? 2_000;
  const pool = (url: string) => {
    const p = new pg.Pool({
      connectionString: url,
      max: settings.concurrency + 1,
      options: '-c TimeZone=UTC',
      application_name: `ficus-copy-${service}`,
    });
    p.on('error', (error) => log.debug('idle copy connection failed', { error: error.message }));
    return p;
  };
  const legacy = pool(options.legacyUrl);
  const target = pool(options.serviceUrl);
  const rate = createRowRate(settings.rowsPerSecond);
  const stats = { chunks: 0, rows: 0, errors: 0 };
  const lastErrors = new Map<string, string>();
  let stopping = false;
  const isStopping = () => stopping;

  const report = async (copies: CopyTableRow[], say: boolean) => {
    const now = new Date();
    const progress = copies.map((c) =>
      copyProgress(service, c, now, lastErrors.get(tableLabel(c.source)) ?? null),
    );
    if (say) for (const p of progress) log.info(`copy: ${formatCopyProgress(p)}`);
    await options
      .recordProgress?.(progress)
      .catch((error: unknown) =>
        log.warn('could not record the copy progress', { error: errorMessage(error) }),
      );
  };

  /** Cuts the requested tables into chunks (one worker does each; the others find it cut). */
  const cutRequested = async (open: CopyTableRow[], shapes: Map<string, CopyShape>) => {
    for (const copy of open.filter((c) => c.state === 'requested')) {
      const shape = shapes.get(tableLabel(copy.source));
      if (!shape) continue;
      const client = await target.connect();
      try {
        const cut = await startCopy(client, service, copy.source, shape.compiled.target, () =>
          planRanges(legacy, shape, settings.chunkRows),
        );
        if (cut) log.info(`copy: ${tableLabel(copy.source)} cut into chunks; copying`);
      } finally {
        client.release();
      }
    }
  };

  /** One lane: copies chunk after chunk, going round the tables, until none is left to claim. */
  const lane = async (shapes: CopyShape[]) => {
    const left = [...shapes];
    for (let turn = 0; left.length && !stopping; turn++) {
      const shape = left[turn % left.length];
      const label = tableLabel(shape.compiled.source);
      try {
        const copied = await copyNextChunk({ service, shape, legacy, target, rate });
        if (!copied) {
          left.splice(left.indexOf(shape), 1);
          continue;
        }
        stats.chunks++;
        stats.rows += copied.rows;
        lastErrors.delete(label);
        log.debug(
          `copy: ${label} chunk ${copied.chunk}: ${copied.rows} rows in ${copied.seconds.toFixed(2)} s`,
        );
      } catch (error) {
        stats.errors++;
        lastErrors.set(label, errorMessage(error));
        const wait = backoffDelay(Math.min(stats.errors, 8), options.retry);
        log[isTransient(error) ? 'warn' : 'error'](
          `copy: a chunk of ${label} failed; it is copied again from its start`,
          { error: errorMessage(error), retryInMs: wait },
        );
        await sleep(wait);
      }
    }
  };

  const finishAll = async (open: CopyTableRow[]) => {
    for (const copy of open) {
      const done = await finishCopy(target, service, copy.source, async () => {
        const { rows } = await legacy.query<{ lsn: string }>(
          'SELECT pg_current_wal_insert_lsn()::text AS lsn',
        );
        return rows[0].lsn;
      });
      if (done && copy.state !== 'done') log.info(`copy: ${tableLabel(copy.source)} done`);
    }
  };

  const round = async (open: CopyTableRow[]) => {
    for (const slot of new Set(open.map((c) => c.slot)))
      if (!(await waitForCopyStart(legacy, slot, { log, isStopping }))) return;
    const where = `${options.plan.file}: services.${service}`;
    const compiled = await compileServiceTables(
      options.plan,
      service,
      (schema, table) => describeExistingTable(legacy, schema, table, `${where} (legacy)`),
      (schema, table) => describeExistingTable(target, schema, table, `${where} (service DB)`),
    );
    const wanted = new Set(open.map((c) => tableLabel(c.source)));
    const shapes = new Map(
      compiled
        .filter((t) => wanted.has(tableLabel(t.source)))
        .map((t) => [tableLabel(t.source), copyShape(t)]),
    );
    await cutRequested(open, shapes);
    const reporter = setInterval(
      () =>
        void readCopies(target, service)
          .then((copies) => report(copies, true))
          .catch(() => undefined),
      5_000,
    );
    try {
      const lanes = Array.from({ length: settings.concurrency }, () => lane([...shapes.values()]));
      await Promise.all(lanes);
    } finally {
      clearInterval(reporter);
    }
    await finishAll(open);
  };

  // the bookkeeping tables exist: the worker made them (copy-follower.ts) before starting this
  const loop = async () => {
    let reported = '';
    while (!stopping) {
      try {
        const copies = await readCopies(target, service);
        const open = copies.filter((c) => c.state !== 'done');
        // the final figures once, and whenever they change
        const summary = JSON.stringify(copies.map((c) => [c.state, c.rowsCopied]));
        if (summary !== reported) await report(copies, open.length > 0 || reported !== '');
        reported = summary;
        if (open.length) await round(open);
      } catch (error) {
        stats.errors++;
        log.warn('copy: could not look for or run the initial copies; trying again', {
          error: errorMessage(error),
        });
      }
      if (!stopping) await sleep(intervalMs);
    }
  };
  const running = loop();

  return {
    stats: () => ({ ...stats }),
    stop: async () => {
      stopping = true;
      await running;
      await Promise.all([legacy.end(), target.end()]);
    },
  };
}
