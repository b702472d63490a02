/**
 * Picks up a changed plan or table while the worker runs, so that a column the monolith's team
 * added and the plan now maps is written without a restart, and a paused table resumes once its
 * change is resolved.
 *
 * Why polling, between batches: the two things that must both have happened (the plan file maps
 * the column, and the service's migration added it to the target) come from two different
 * people's deploys, in either order, with no event the worker could wait for (logical decoding
 * carries no DDL, the target's migration produces no change event, a plan edit is a file). A
 * signal would need every worker of the fleet to be signalled by whoever deployed. So every
 * `intervalMs` the worker looks at what may have moved, cheaply:
 * - the plan file, parsed again (local, no database);
 * - only for a topic whose plan entry changed, whose events' schema differs from what its writer
 *   was compiled for (schema-watch.ts), or that is paused and whose change is resolved in the
 *   kit DB: the live columns of its two tables, and a compile.
 * A topic whose tables match its writer costs nothing but the file read. A new writer replaces the
 * old one only when it compiles and every column it writes exists in the target; otherwise the
 * old one goes on (and the reason is logged once). The applier takes a topic's writer per batch,
 * so a swap lands between two batches: the batch in flight finishes with the old writer.
 *
 * Rows synced before the pick-up do not have the new column's value, and rows synced before a
 * paused table resumes under a changed mapping may not hold what it writes now: each is handed to
 * `backfill` (schema-backfill.ts: the repair of that table, safe under concurrent writes); without
 * it, the log names the command, `ficus verify <service> --repair`.
 */
import { errorMessage } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { Direction } from '../../plan/mapping.ts';
import { findService } from '../../plan/load-plan.ts';
import type { Plan, TableMapping } from '../../plan/plan-types.ts';
import { typeName, type TableBaseline } from './schema-diff.ts';
import type { BackfillRequest } from './schema-backfill.ts';
import type { SchemaWatch } from './schema-watch.ts';
import { directionTables, type CompiledTopic } from './sink-topology.ts';
import type { TableWriter } from './table-writer.ts';

export type MappingReloadOptions = {
  service: string;
  direction: Direction;
  topicPrefix: string;
  /** the plan the writers were compiled from at start */
  plan: Plan;
  /** the plan as it is now (its file read again) */
  loadPlan: () => Plan;
  /** compiles a topic against the live tables (sink-topology.ts compileTopic) */
  compile: (plan: Plan, table: TableMapping, topic: string) => Promise<CompiledTopic>;
  /** the worker's live writers and baselines: replaced in place */
  writers: Map<string, TableWriter>;
  baselines: Map<string, TableBaseline>;
  watch: Pick<SchemaWatch, 'differs' | 'forget'>;
  isPaused: (topic: string) => boolean;
  /** the topics paused by a change still open in the kit DB (resolved ones are not in it) */
  openPausedTopics: () => Promise<Set<string>>;
  /** syncs a paused topic again from its stored position */
  resume: (topic: string) => Promise<void>;
  /** back-fills the rows synced before a change of what the writer carries (schema-backfill.ts) */
  backfill?: (request: BackfillRequest) => void;
  log: Logger;
};

export type MappingReload = {
  /** One look (the worker calls it every interval, never two at once). */
  check(): Promise<void>;
};

const newlyMapped = (before: TableBaseline | undefined, after: TableBaseline) =>
  [...after.mapped].filter((c) => !before?.mapped.has(c));

/**
 * The columns the writer carries that the live table no longer has, or has with another type: a
 * change the stream has not reached yet (the worker compiles against the tables as they are now,
 * which may be ahead of the events). Compiling past it would apply it silently; instead the
 * writer stays, the stream reaches the change and pauses there.
 */
export function changedAhead(before: TableBaseline, after: TableBaseline): string[] {
  const now = new Map(after.columns.map((c) => [c.name, c.type]));
  return before.columns
    .filter((c) => before.mapped.has(c.name))
    .filter((c) => !now.has(c.name) || typeName(now.get(c.name)!) !== typeName(c.type))
    .map((c) => c.name);
}

export function createMappingReload(options: MappingReloadOptions): MappingReload {
  const { log, writers, baselines } = options;
  let plan = options.plan;
  // the plan entry each topic's writer was compiled from
  const compiledFrom = new Map(
    directionTables(
      plan,
      findService(plan, options.service),
      options.direction,
      options.topicPrefix,
    ).map(({ table, topic }) => [topic, JSON.stringify(table)]),
  );
  const said = new Set<string>();
  const once = (key: string, say: () => void) => {
    if (said.has(key)) return;
    said.add(key);
    say();
  };

  /** The plan file again; the last good plan while it does not load (said once per error). */
  const currentPlan = (): Plan => {
    try {
      plan = options.loadPlan();
    } catch (error) {
      once(`plan ${errorMessage(error)}`, () =>
        log.error('the plan file changed and does not load; syncing by the last good plan', {
          error: errorMessage(error),
        }),
      );
    }
    return plan;
  };

  const swap = (table: TableMapping, topic: string, next: CompiledTopic, resuming: boolean) => {
    const before = writers.get(topic);
    const added = newlyMapped(baselines.get(topic), next.baseline);
    writers.set(topic, next.writer);
    baselines.set(topic, next.baseline);
    options.watch.forget(topic);
    const name = next.baseline.table;
    // The rows synced before were written by the old writer: a newly mapped column, a changed
    // conversion, or (a paused table resumes at the event it stopped at) a mapping changed for a
    // dropped, renamed or retyped column. Only the new writer's SQL tells for either direction (a
    // reverse baseline counts every column of the service's table as carried).
    const changed = before?.upsertSql !== next.writer.upsertSql;
    const reason = !changed
      ? undefined
      : added.length && !resuming
        ? `${added.map((c) => `${name}.${c}`).join(', ')} newly mapped`
        : `${name} ${resuming ? 'resumed under a changed mapping' : 'mapping changed'}`;
    if (added.length && !resuming)
      log.info(
        `picked up: ${added.map((c) => `${name}.${c}`).join(', ')} now synced; ${options.backfill ? 'back-filling the rows synced before' : `back-fill the rows synced before with 'ficus verify ${options.service} --repair'`}`,
        { topic },
      );
    else
      log.info(
        `${name}: writer compiled again (its columns or its plan entry changed)${reason && options.backfill ? '; back-filling the rows synced before' : ''}`,
      );
    if (reason) options.backfill?.({ topic, target: table.target, reason });
  };

  const checkTopic = async (
    table: TableMapping,
    topic: string,
    resolved: boolean,
  ): Promise<void> => {
    const entry = JSON.stringify(table);
    const paused = options.isPaused(topic);
    const changed = entry !== compiledFrom.get(topic) || options.watch.differs(topic);
    if (paused ? !resolved : !changed) return;
    let next: CompiledTopic;
    try {
      next = await options.compile(plan, table, topic);
    } catch (error) {
      return once(`${topic} ${errorMessage(error)}`, () =>
        log.warn(`${table.source}: cannot compile the changed mapping yet; the writer stays`, {
          error: errorMessage(error),
          ...(paused ? { paused: 'stays paused' } : {}),
        }),
      );
    }
    if (next.missingInTarget.length)
      return once(`${topic} missing ${next.missingInTarget.join(',')}`, () =>
        log.info(
          `${table.source}: the plan writes ${next.missingInTarget.join(', ')}, which ${next.writer.table} lacks; waiting for the service's migration`,
        ),
      );
    const before = baselines.get(topic);
    const ahead = before && !paused ? changedAhead(before, next.baseline) : [];
    if (ahead.length)
      return once(`${topic} ahead ${ahead.join(',')}`, () =>
        log.info(
          `${table.source}: ${ahead.join(', ')} changed in the table before the stream got there; the writer stays until the sync reaches that event (and pauses)`,
        ),
      );
    compiledFrom.set(topic, entry);
    if (next.writer.upsertSql !== writers.get(topic)?.upsertSql || paused)
      swap(table, topic, next, paused);
    else if (
      JSON.stringify(next.baseline.columns) !== JSON.stringify(baselines.get(topic)?.columns)
    ) {
      // the same writer (a column the plan does not map): the events' schema is the new normal
      baselines.set(topic, next.baseline);
      options.watch.forget(topic);
    }
    if (paused) await options.resume(topic);
  };

  return {
    async check() {
      const now = currentPlan();
      const tables = directionTables(
        now,
        findService(now, options.service),
        options.direction,
        options.topicPrefix,
      );
      const anyPaused = [...writers.keys()].some((topic) => options.isPaused(topic));
      const open = anyPaused ? await options.openPausedTopics() : new Set<string>();
      for (const { table, topic } of tables) {
        // a table the plan did not have at start needs a restart (its topic is not subscribed)
        if (!writers.has(topic)) continue;
        await checkTopic(table, topic, !open.has(topic));
      }
    },
  };
}
