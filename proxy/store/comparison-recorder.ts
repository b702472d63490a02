/**
 * Stores comparisons in the kit DB without slowing a request: `record` only appends to a memory
 * buffer; a timer writes it in batches. If the DB is slow or down the buffer is bounded (the
 * oldest entries are dropped and counted), and retention is capped by pruning old rows.
 */
import type { Knex } from 'knex';
import type { Logger } from '../../lib/logger.ts';
import type { Difference } from '../compare/compare-responses.ts';

export const COMPARISONS_TABLE = 'proxy_comparisons';

export type ComparisonRecord = {
  requestId: string;
  /** when the proxy received the read (epoch ms); stored as `read_at`, which the gates window on */
  readAt: number;
  service: string;
  route: string;
  method: string;
  url: string;
  outcome: 'match' | 'mismatch' | 'error';
  legacyStatus?: number;
  serviceStatus?: number;
  legacyMs?: number;
  serviceMs?: number;
  differences: Difference[];
  legacyError?: string;
  serviceError?: string;
};

/** The columns a comparison fills, with their SQL types, as `json_to_recordset` reads a batch. */
const COLUMNS: [string, string][] = [
  ['request_id', 'text'],
  ['read_at', 'timestamptz'],
  ['service', 'text'],
  ['route', 'text'],
  ['method', 'text'],
  ['url', 'text'],
  ['outcome', 'text'],
  ['legacy_status', 'integer'],
  ['service_status', 'integer'],
  ['legacy_ms', 'real'],
  ['service_ms', 'real'],
  ['differences', 'jsonb'],
  ['legacy_error', 'text'],
  ['service_error', 'text'],
];
const NAMES = COLUMNS.map(([name]) => name).join(', ');
// One parameter, the batch as JSON: building and binding a 500-row multi-VALUES insert costs the
// event loop that serves clients several ms per batch; one JSON.stringify costs a fraction.
const INSERT_BATCH = `insert into ${COMPARISONS_TABLE} (${NAMES}) select ${NAMES} from json_to_recordset(?::json) as r(${COLUMNS.map((c) => c.join(' ')).join(', ')})`;

export type RecorderOptions = {
  batchSize?: number;
  flushMs?: number;
  maxBuffer?: number;
  retention: number;
  pruneEveryMs?: number;
};

export function createComparisonRecorder(
  db: Knex,
  options: RecorderOptions,
  log: Logger,
  onDropped: (n: number) => void = () => {},
) {
  const batchSize = options.batchSize ?? 500;
  const maxBuffer = options.maxBuffer ?? 20_000;
  let buffer: Record<string, unknown>[] = [];
  let flushing: Promise<void> | undefined;
  let lastWarned = 0;

  const toRow = (r: ComparisonRecord) => ({
    request_id: r.requestId,
    read_at: new Date(r.readAt).toISOString(),
    service: r.service,
    route: r.route,
    method: r.method,
    url: r.url.slice(0, 1000),
    outcome: r.outcome,
    legacy_status: r.legacyStatus ?? null,
    service_status: r.serviceStatus ?? null,
    legacy_ms: r.legacyMs ?? null,
    service_ms: r.serviceMs ?? null,
    differences: r.differences,
    legacy_error: r.legacyError ?? null,
    service_error: r.serviceError ?? null,
  });

  async function writeOut(): Promise<void> {
    while (buffer.length) {
      const batch = buffer.slice(0, batchSize);
      try {
        await db.raw(INSERT_BATCH, [JSON.stringify(batch)]);
        buffer = buffer.slice(batch.length);
      } catch (error) {
        if (Date.now() - lastWarned > 30_000) {
          lastWarned = Date.now();
          log.warn('could not store comparisons in the kit DB; keeping them in memory', {
            buffered: buffer.length,
            error: (error as Error).message,
          });
        }
        return;
      }
    }
  }

  const flush = () => (flushing ??= writeOut().finally(() => (flushing = undefined)));
  const timer = setInterval(() => void flush(), options.flushMs ?? 500);
  timer.unref();
  const pruneTimer = setInterval(() => void prune(), options.pruneEveryMs ?? 30_000);
  pruneTimer.unref();

  async function prune(): Promise<void> {
    try {
      await db.raw(
        `delete from ${COMPARISONS_TABLE} where id <= (select max(id) from ${COMPARISONS_TABLE}) - ?`,
        [options.retention],
      );
    } catch (error) {
      log.debug('pruning comparisons failed', { error: (error as Error).message });
    }
  }

  return {
    record(r: ComparisonRecord): void {
      buffer.push(toRow(r));
      if (buffer.length > maxBuffer) {
        const excess = buffer.length - maxBuffer;
        buffer = buffer.slice(excess);
        onDropped(excess);
      }
    },
    flush,
    prune,
    buffered: () => buffer.length,
    async close(): Promise<void> {
      clearInterval(timer);
      clearInterval(pruneTimer);
      await flush();
    },
  };
}

export type ComparisonRecorder = ReturnType<typeof createComparisonRecorder>;
