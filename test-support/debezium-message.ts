/**
 * Builds Kafka messages shaped like the Debezium PostgreSQL connector's (JSON converter, schemas
 * enabled), for tests and benchmarks that need events without a connector.
 */
import type { FieldSchema } from '../cdc/sink/decode-value.ts';
import type { Op, RawMessage } from '../cdc/sink/change-event.ts';

export type ColumnSpec = {
  type: string;
  name?: string;
  parameters?: Record<string, string>;
  /** an array's element schema */
  items?: Omit<ColumnSpec, 'items'>;
};

export type EventSpec = {
  op: Op;
  key?: Record<string, unknown> | null;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  lsn?: number;
  txId?: number;
  table?: string;
};

function fields(columns: Record<string, ColumnSpec>): FieldSchema[] {
  return Object.entries(columns).map(
    ([field, c]) => ({ field, optional: true, ...c }) as FieldSchema,
  );
}

export function debeziumValue(spec: EventSpec, columns: Record<string, ColumnSpec>): object {
  const row = { type: 'struct', optional: true, fields: fields(columns) };
  return {
    schema: {
      type: 'struct',
      name: `test.public.${spec.table ?? 't'}.Envelope`,
      fields: [
        { ...row, field: 'before' },
        { ...row, field: 'after' },
        { type: 'struct', field: 'source', fields: [] },
        { type: 'string', field: 'op' },
      ],
    },
    payload: {
      before: spec.before ?? null,
      after: spec.after ?? null,
      source: {
        connector: 'postgresql',
        schema: 'public',
        table: spec.table ?? 't',
        // in the order Debezium writes them (change-payload.ts reads them from the bytes)
        txId: spec.txId ?? 500,
        lsn: spec.lsn ?? 1000,
      },
      op: spec.op,
      ts_ms: Date.now(),
    },
  };
}

export function debeziumKey(
  key: Record<string, unknown>,
  columns: Record<string, ColumnSpec>,
): object {
  const keyColumns = Object.fromEntries(
    Object.keys(key).map((k) => [k, columns[k] ?? { type: 'int64' }]),
  );
  return { schema: { type: 'struct', fields: fields(keyColumns) }, payload: key };
}

export function debeziumMessage(
  spec: EventSpec,
  columns: Record<string, ColumnSpec>,
): { key: Buffer | null; value: Buffer } {
  return {
    key: spec.key ? Buffer.from(JSON.stringify(debeziumKey(spec.key, columns))) : null,
    value: Buffer.from(JSON.stringify(debeziumValue(spec, columns))),
  };
}

export function rawMessage(
  offset: number,
  spec: EventSpec,
  columns: Record<string, ColumnSpec>,
  topic = 't',
  partition = 0,
): RawMessage {
  return { topic, partition, offset: String(offset), ...debeziumMessage(spec, columns) };
}
