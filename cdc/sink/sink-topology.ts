/**
 * Which topics a service's sink reads in each direction, and the writer for each, from the plan:
 * - forward reads the legacy connector's topics of every table the service owns or replicates
 *   and writes the service's tables;
 * - reverse reads the service connector's topics of the tables the service owns (replicated
 *   tables are read-only copies, the monolith still writes them) and writes the legacy tables
 *   through the inverse mapping.
 * Topics are `<topic.prefix>.<schema>.<table>` (Debezium's naming, debezium-topic.ts), with the
 * schemas of the plan: `legacy.schema` forward, the service's `schema` reverse.
 */
import type pg from 'pg';
import { compileTableMapping, directionPlan, type Direction } from '../../plan/mapping.ts';
import { describeExistingTable } from '../../plan/describe-table.ts';
import type { Plan, ServicePlan, TableMapping } from '../../plan/plan-types.ts';
import { sourceTableOf, tableLabel, targetTableOf } from '../../plan/qualified-table.ts';
import { debeziumTopic } from './debezium-topic.ts';
import { buildTableWriter, type TableWriter } from './table-writer.ts';
import type { TableBaseline } from './schema-diff.ts';

/** Debezium `topic.prefix` of the connector feeding a direction. */
export function defaultTopicPrefix(service: string, direction: Direction): string {
  return direction === 'forward' ? `ficus.${service}` : `ficus.${service}.reverse`;
}

/** The plan's tables a direction applies, and the topic each arrives on. */
export function directionTables(
  plan: Plan,
  service: ServicePlan,
  direction: Direction,
  topicPrefix: string,
): { table: TableMapping; topic: string }[] {
  const tables = direction === 'forward' ? [...service.owns, ...service.replicates] : service.owns;
  return tables.map((table) => ({
    table,
    topic: debeziumTopic(
      topicPrefix,
      direction === 'forward' ? sourceTableOf(plan, table) : targetTableOf(service, table),
    ),
  }));
}

/** A topic's writer and what its events should carry, compiled from the plan and both tables now. */
export type CompiledTopic = {
  writer: TableWriter;
  baseline: TableBaseline;
  /** target columns the mapping writes that the target table lacks (its migration not run yet) */
  missingInTarget: string[];
};

export type TopologyDeps = {
  plan: Plan;
  service: ServicePlan;
  direction: Direction;
  legacy: pg.Pool;
  serviceDb: pg.Pool;
};

/**
 * Compiles one table of a direction against the live columns of its source and target: at start
 * (buildWriters) and again whenever the worker picks up a changed plan or table (mapping-reload.ts).
 */
export async function compileTopic(
  deps: TopologyDeps,
  table: TableMapping,
  topic: string,
): Promise<CompiledTopic> {
  const { plan, service, direction } = deps;
  const [source, target] = [sourceTableOf(plan, table), targetTableOf(service, table)];
  const where = `${plan.file}: services.${service.name} table ${tableLabel(source)}`;
  const sourceColumns = await describeExistingTable(
    deps.legacy,
    source.schema,
    source.table,
    where,
  );
  const targetColumns = await describeExistingTable(
    deps.serviceDb,
    target.schema,
    target.table,
    where,
  );
  const compiled = compileTableMapping(table, sourceColumns, {
    sourceSchema: source.schema,
    targetSchema: target.schema,
    target: targetColumns,
  });
  // the columns the events of the topic should carry, as compiled now (schema-watch.ts)
  const [name, columns, notCarried] =
    direction === 'forward'
      ? [table.source, sourceColumns, new Set([...compiled.dropped, ...compiled.unmapped])]
      : [table.target, targetColumns, new Set(compiled.notInvertible)];
  const mapped = new Set(columns.map((c) => c.name).filter((n) => !notCarried.has(n)));
  // the table written: the service's forward, the legacy one reverse
  const present = new Set(
    (direction === 'forward' ? targetColumns : sourceColumns).map((c) => c.name),
  );
  const written = directionPlan(compiled, direction).columns.map((c) => c.name);
  return {
    writer: buildTableWriter(compiled, direction, topic),
    baseline: { table: name, columns, mapped },
    missingInTarget: written.filter((c) => !present.has(c)),
  };
}

export async function buildWriters(
  options: TopologyDeps & { topicPrefix: string },
): Promise<{ writers: Map<string, TableWriter>; baselines: Map<string, TableBaseline> }> {
  const { plan, service, direction, topicPrefix } = options;
  const writers = new Map<string, TableWriter>();
  const baselines = new Map<string, TableBaseline>();
  for (const { table, topic } of directionTables(plan, service, direction, topicPrefix)) {
    const { writer, baseline } = await compileTopic(options, table, topic);
    writers.set(topic, writer);
    baselines.set(topic, baseline);
  }
  return { writers, baselines };
}
