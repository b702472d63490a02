/**
 * What the forward sink asks of the initial copy (cdc/sink/apply-batch.ts): whether a table still
 * waits for its copy (its events stay in Kafka until it is done), and which events a finished
 * copy already holds. `copyGuard` keeps the filters of the finished copies, loaded by the worker.
 */
import type { PoolClient } from 'pg';
import type { TableWriter } from '../sink/table-writer.ts';
import type { CopyFilter } from './copy-filter.ts';

export type CopyGuard = {
  /** in the sink's transaction, after its position is locked */
  isHeld(client: PoolClient, writer: TableWriter): Promise<boolean>;
  filter(topic: string): CopyFilter | undefined;
};

export function copyGuard(service: string, filters: ReadonlyMap<string, CopyFilter>): CopyGuard {
  return {
    isHeld: async (client, writer) => {
      const { rows } = await client.query(
        `SELECT 1 FROM ficus_copy_tables WHERE service = $1 AND source_schema = $2
            AND source_table = $3 AND state <> 'done'`,
        [service, writer.legacyTable.schema, writer.legacyTable.table],
      );
      return rows.length > 0;
    },
    filter: (topic) => filters.get(topic),
  };
}
