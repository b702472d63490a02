/**
 * Compiles every table mapping of one service (owned and replicated), reading the source tables'
 * columns through `describeSource` (and the target tables' actual types through `describeTarget`,
 * when given). Both the sink and the parity check start from this.
 */
import { findService } from './load-plan.ts';
import { compileTableMapping, type ColumnInfo, type CompiledTable } from './mapping.ts';
import type { Plan, TableMapping } from './plan-types.ts';
import { sourceTableOf, targetTableOf } from './qualified-table.ts';

export type Describe = (schema: string, table: string) => Promise<ColumnInfo[]>;

export type CompiledServiceTable = CompiledTable & {
  role: 'owns' | 'replicates';
  mapping: TableMapping;
  /** the target table's actual column types, when described (the range check's input) */
  targetTypes?: Record<string, string>;
};

export async function compileServiceTables(
  plan: Plan,
  serviceName: string,
  describeSource: Describe,
  describeTarget?: Describe,
): Promise<CompiledServiceTable[]> {
  const service = findService(plan, serviceName);
  const tables = [
    ...service.owns.map((mapping) => ({ role: 'owns' as const, mapping })),
    ...service.replicates.map((mapping) => ({ role: 'replicates' as const, mapping })),
  ];
  const compiled: CompiledServiceTable[] = [];
  for (const { role, mapping } of tables) {
    const [source, target] = [sourceTableOf(plan, mapping), targetTableOf(service, mapping)];
    const sourceColumns = await describeSource(source.schema, source.table);
    const targetColumns = describeTarget
      ? await describeTarget(target.schema, target.table)
      : undefined;
    const targetTypes =
      targetColumns && Object.fromEntries(targetColumns.map((c) => [c.name, c.type]));
    const table = compileTableMapping(mapping, sourceColumns, {
      sourceSchema: source.schema,
      targetSchema: target.schema,
      target: targetColumns,
    });
    compiled.push({ ...table, role, mapping, targetTypes });
  }
  return compiled;
}
