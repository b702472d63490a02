import type { QualifiedTable } from '../../plan/qualified-table.ts';

/**
 * The topic Debezium writes a table's changes to: `<topic.prefix>.<schema>.<table>`, each
 * character Kafka does not allow in a topic name (anything but ASCII letters, digits, `.`, `_`
 * and `-`) replaced by `_`, as Debezium's topic naming strategies do (`Billing Data` ->
 * `Billing_Data`).
 */
export function debeziumTopic(topicPrefix: string, table: QualifiedTable): string {
  const safe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${topicPrefix}.${safe(table.schema)}.${safe(table.table)}`;
}
