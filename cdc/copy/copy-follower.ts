/**
 * The forward sink worker's side of the initial copy: it runs the copier (service-copier.ts),
 * holds the partitions of a table whose copy is not done (the sink's transaction finds it held,
 * apply-batch.ts, and the partition stops being fetched), and every couple of seconds looks at the
 * copies: a table whose copy is done gets its copy filter (which events the copy holds) and its
 * held partitions are fetched again from their stored positions; a table asked for again loses its
 * old filter.
 */
import type { Pool } from 'pg';
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { RetryOptions } from '../../lib/retry.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { tableLabel } from '../../plan/qualified-table.ts';
import type { TableWriter } from '../sink/table-writer.ts';
import type { CopyHold } from '../sink/partition-applier.ts';
import { copyFilter, type CopyFilter } from './copy-filter.ts';
import { copyGuard, type CopyGuard } from './copy-guard.ts';
import type { CopyProgress } from './copy-progress.ts';
import { COPY_DDL, readCopiedChunks, readCopies } from './copy-store.ts';
import {
  DEFAULT_COPY_SETTINGS,
  startServiceCopier,
  type CopySettings,
  type ServiceCopier,
} from './service-copier.ts';

export type CopyOptions = {
  settings?: Partial<CopySettings>;
  recordProgress?: (progress: CopyProgress[]) => Promise<void>;
  /** how often to look at the copies (default 2 s) */
  intervalMs?: number;
};

export type CopyFollower = {
  guard: CopyGuard;
  hold: CopyHold;
  /** the bookkeeping tables, and the filters of the copies finished before this worker started */
  prepare(): Promise<void>;
  start(): void;
  stats(): { chunks: number; rows: number; errors: number; held: string[] };
  stop(): Promise<void>;
};

export function createCopyFollower(deps: {
  service: string;
  plan: Plan;
  legacyUrl: string;
  serviceUrl: string;
  target: Pool;
  writers: Map<string, TableWriter>;
  retry: RetryOptions;
  log: Logger;
  options?: CopyOptions;
  pauseFetch(topic: string, partition: number): void;
  resumeFetch(topic: string, partitions: number[]): Promise<void>;
}): CopyFollower {
  const { service, log } = deps;
  const intervalMs = deps.options?.intervalMs ?? 2_000;
  const filters = new Map<string, CopyFilter>(); // by topic
  const filterLsn = new Map<string, string>(); // by topic: the finish LSN its filter is of
  const held = new Map<string, Set<number>>(); // by topic: partitions held
  let copier: ServiceCopier | undefined;
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> | null = null;

  const topicOf = (schema: string, table: string) => {
    for (const [topic, writer] of deps.writers)
      if (writer.legacyTable.schema === schema && writer.legacyTable.table === table) return topic;
    return undefined;
  };

  const hold: CopyHold = {
    hold(topic, partition) {
      const parts = held.get(topic) ?? new Set<number>();
      if (parts.has(partition)) return;
      if (!held.has(topic))
        log.info(
          `sync of ${deps.writers.get(topic)?.table ?? topic} held until its initial copy is done (its events wait in Kafka)`,
        );
      parts.add(partition);
      held.set(topic, parts);
      deps.pauseFetch(topic, partition);
    },
    isHeld: (topic, partition) => held.get(topic)?.has(partition) ?? false,
  };

  /** Loads the filters of finished copies, drops those asked for again, and lets go of the held. */
  const look = async () => {
    for (const copy of await readCopies(deps.target, service)) {
      const topic = topicOf(copy.source.schema, copy.source.table);
      if (!topic) continue;
      if (copy.state !== 'done' || !copy.finishLsn) {
        filters.delete(topic);
        filterLsn.delete(topic);
        continue;
      }
      if (filterLsn.get(topic) !== copy.finishLsn) {
        const chunks = await readCopiedChunks(deps.target, service, copy.source);
        filters.set(topic, copyFilter(chunks, copy.finishLsn));
        filterLsn.set(topic, copy.finishLsn);
      }
      const parts = held.get(topic);
      if (parts) {
        held.delete(topic);
        log.info(
          `initial copy of ${tableLabel(copy.source)} done: its sync goes on from the stored positions`,
        );
        await deps.resumeFetch(topic, [...parts]);
      }
    }
  };

  return {
    guard: copyGuard(filters),
    hold,
    prepare: async () => {
      await deps.target.query(COPY_DDL);
      await look();
    },
    start() {
      copier = startServiceCopier({
        service,
        plan: deps.plan,
        legacyUrl: deps.legacyUrl,
        serviceUrl: deps.serviceUrl,
        settings: { ...DEFAULT_COPY_SETTINGS, ...deps.options?.settings },
        log,
        retry: deps.retry,
        recordProgress: deps.options?.recordProgress,
        intervalMs,
      });
      timer = setInterval(() => {
        if (looking) return;
        looking = look()
          .catch((error) =>
            log.warn('could not look at the initial copies; trying again', {
              error: errorMessage(error),
            }),
          )
          .finally(() => (looking = null));
      }, intervalMs);
      timer.unref();
    },
    stats: () => ({
      ...(copier?.stats() ?? { chunks: 0, rows: 0, errors: 0 }),
      held: [...held.keys()],
    }),
    stop: async () => {
      clearInterval(timer);
      await looking;
      await copier?.stop();
    },
  };
}
