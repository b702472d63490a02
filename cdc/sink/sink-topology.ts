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
import { compileTableMapping, type Direction } from '../../plan/mapping.ts';
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

export async function buildWriters(options: {
  plan: Plan;
  service: ServicePlan;
  direction: Direction;
  legacy: pg.Pool;
  serviceDb: pg.Pool;
  topicPrefix: string;
}): Promise<{ writers: Map<string, TableWriter>; baselines: Map<string, TableBaseline> }> {
  const { plan, service, direction, topicPrefix } = options;
  const writers = new Map<string, TableWriter>();
  const baselines = new Map<string, TableBaseline>();
  for (const { table, topic } of directionTables(plan, service, direction, topicPrefix)) {
    const [source, target] = [sourceTableOf(plan, table), targetTableOf(service, table)];
    const where = `${plan.file}: services.${service.name} table ${tableLabel(source)}`;
    const sourceColumns = await describeExistingTable(
      options.legacy,
      source.schema,
      source.table,
      where,
    );
    const targetColumns = await describeExistingTable(
      options.serviceDb,
      target.schema,
      target.table,
      where,
    );
    const compiled = compileTableMapping(table, sourceColumns, {
      sourceSchema: source.schema,
      targetSchema: target.schema,
      target: targetColumns,
    });
    writers.set(topic, buildTableWriter(compiled, direction, topic));
    // the columns the events of the topic should carry, as compiled now (schema-watch.ts)
    const [name, columns, notCarried] =
      direction === 'forward'
        ? [table.source, sourceColumns, new Set([...compiled.dropped, ...compiled.unmapped])]
        : [table.target, targetColumns, new Set(compiled.notInvertible)];
    const mapped = new Set(columns.map((c) => c.name).filter((n) => !notCarried.has(n)));
    baselines.set(topic, { table: name, columns, mapped });
  }
  return { writers, baselines };
}
