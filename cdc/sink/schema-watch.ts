/**
 * Watches the schema every change event carries for a change of its table's columns. Cheap: per
 * topic the bytes of the last schema seen are kept, and a message that starts with exactly those
 * bytes (nearly all) is compared in place and costs no parse; only a message whose schema bytes
 * differ is parsed and diffed against what the writer was compiled for (schema-diff.ts).
 */
import type { FieldSchema } from './decode-value.ts';
import type { Position, RawMessage } from './change-event.ts';
import { integerOf, parseJson } from './exact-json.ts';
import {
  describeChange,
  diffColumns,
  isBreaking,
  rowFields,
  type ColumnChange,
  type TableBaseline,
} from './schema-diff.ts';

/** A change of a table's columns, as first seen in its topic. */
export type SchemaChangeSeen = {
  topic: string;
  table: string;
  change: ColumnChange;
  /** `products.price changed numeric → text` */
  description: string;
  breaking: boolean;
  position: Position;
  /** Debezium's `source.lsn` of the event, when it has one */
  lsn: string | null;
  /** when the sink first saw it */
  seenAt: Date;
};

/** What a message's schema says: its changes (all, breaking or not) and those never seen before. */
export type SchemaCheck = { changes: SchemaChangeSeen[]; fresh: SchemaChangeSeen[] };

const PAYLOAD_KEY = Buffer.from(',"payload":');
const SCHEMA_START = Buffer.from('{"schema":');
const NONE: SchemaCheck = { changes: [], fresh: [] };

type TopicState = { prefix: Buffer; changes: SchemaChangeSeen[] };

function lsnOf(bytes: Buffer): string | null {
  try {
    const json = parseJson(bytes.toString('utf8')) as { payload?: { source?: { lsn?: unknown } } };
    const lsn = integerOf(json.payload?.source?.lsn);
    return lsn === undefined ? null : String(lsn);
  } catch {
    return null;
  }
}

export type SchemaWatch = {
  /** The column changes the message's schema shows against the compiled baseline. */
  check(message: RawMessage): SchemaCheck;
  /** Whether the last schema seen on the topic differs from its baseline (in any way). */
  differs(topic: string): boolean;
  /** Forgets what was learnt of a topic: its baseline was compiled again (mapping-reload.ts). */
  forget(topic: string): void;
};

export function createSchemaWatch(
  baselines: ReadonlyMap<string, TableBaseline>,
  now: () => Date = () => new Date(),
): SchemaWatch {
  const last = new Map<string, TopicState>();
  const first = new Map<string, FieldSchema[]>();
  const reported = new Map<string, Set<string>>();

  const same = (state: TopicState, bytes: Buffer) =>
    bytes.length > state.prefix.length + PAYLOAD_KEY.length &&
    bytes.compare(state.prefix, 0, state.prefix.length, 0, state.prefix.length) === 0 &&
    bytes.compare(
      PAYLOAD_KEY,
      0,
      PAYLOAD_KEY.length,
      state.prefix.length,
      state.prefix.length + PAYLOAD_KEY.length,
    ) === 0;

  const learn = (message: RawMessage, bytes: Buffer, baseline: TableBaseline): SchemaCheck => {
    const at = bytes.indexOf(PAYLOAD_KEY);
    if (at < 0 || bytes.compare(SCHEMA_START, 0, SCHEMA_START.length, 0, SCHEMA_START.length))
      return NONE;
    let row: FieldSchema[] | undefined;
    try {
      const head = JSON.parse(bytes.toString('utf8', 0, at) + '}') as {
        schema?: { fields?: FieldSchema[] };
      };
      row = rowFields(head.schema?.fields);
    } catch {
      return NONE; // not laid out as usual; the parse of the event says what is wrong
    }
    if (!row) return NONE;
    const topic = message.topic;
    if (!first.has(topic)) first.set(topic, row);
    const diff = diffColumns(baseline, row, first.get(topic));
    const seenAt = now();
    const lsn = diff.length ? lsnOf(bytes) : null;
    const position = { topic, partition: message.partition, offset: message.offset };
    const changes = diff.map((change) => ({
      topic,
      table: baseline.table,
      change,
      description: describeChange(baseline.table, change),
      breaking: isBreaking(change),
      position,
      lsn,
      seenAt,
    }));
    last.set(topic, { prefix: Buffer.from(bytes.subarray(0, at)), changes });
    const known = reported.get(topic) ?? new Set<string>();
    reported.set(topic, known);
    const fresh = changes.filter((c) => !known.has(c.description));
    for (const c of fresh) known.add(c.description);
    return { changes, fresh };
  };

  return {
    check(message) {
      const baseline = baselines.get(message.topic);
      const bytes = message.value;
      if (!baseline || !bytes || bytes.length === 0) return NONE;
      const state = last.get(message.topic);
      if (state && same(state, bytes)) return { changes: state.changes, fresh: [] };
      return learn(message, bytes, baseline);
    },
    differs: (topic) => (last.get(topic)?.changes.length ?? 0) > 0,
    forget(topic) {
      last.delete(topic);
      first.delete(topic);
    },
  };
}
