/**
 * A deterministic stream of Debezium change events (JSON converter with schemas, keys with the key
 * schema) for one `products (id, sku, name, price numeric(12,2))` table: inserts, updates and
 * deletes of the same keys, deleted keys inserted again, so that applying them out of order or
 * twice shows in the result; every delete is followed by its tombstone, as Debezium sends it. Also the table the stream leaves behind: per key the last write
 * wins, deleted keys are absent. For tests that feed a sink without a connector.
 */
import { debeziumMessage, type ColumnSpec } from './debezium-message.ts';

export const PRODUCT_COLUMNS: Record<string, ColumnSpec> = {
  id: { type: 'int64' },
  sku: { type: 'string' },
  name: { type: 'string' },
  // decimal.handling.mode=string, as the stack's connectors run
  price: { type: 'string' },
};

export type ProductRow = { id: number; sku: string; name: string; price: string };
export type StreamMessage = { key: Buffer; value: Buffer | null };

export type ProductStream = {
  messages: StreamMessage[];
  /** the source table after the whole stream, sorted by id */
  final: ProductRow[];
  counts: { c: number; u: number; d: number };
};

/** A small seeded generator (mulberry32): the same seed gives the same stream. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function productStream(options: {
  events: number;
  keys: number;
  seed: number;
  /** share of changes to an existing key that delete it */
  deleteShare?: number;
}): ProductStream {
  const random = seeded(options.seed);
  const live = new Map<number, ProductRow>();
  const messages: StreamMessage[] = [];
  const counts = { c: 0, u: 0, d: 0 };
  const price = () => (Math.floor(random() * 10_000_000) / 100).toFixed(2);
  for (let i = 0; i < options.events; i++) {
    const id = 1 + Math.floor(random() * options.keys);
    const current = live.get(id);
    // one source transaction per 10 events, LSNs rising as the WAL does
    const source = { lsn: 1_000_000 + i * 64, txId: 5_000 + Math.floor(i / 10), table: 'products' };
    let spec;
    if (!current) {
      const row = { id, sku: `SKU-${id}`, name: `Product ${id} “${i}”`, price: price() };
      live.set(id, row);
      spec = { ...source, op: 'c' as const, after: row };
    } else if (random() < (options.deleteShare ?? 0.2)) {
      live.delete(id);
      spec = { ...source, op: 'd' as const, before: current };
    } else {
      const row = { ...current, name: `Product ${id} v${i}`, price: price() };
      live.set(id, row);
      spec = { ...source, op: 'u' as const, before: current, after: row };
    }
    counts[spec.op]++;
    const { key, value } = debeziumMessage({ ...spec, key: { id } }, PRODUCT_COLUMNS);
    messages.push({ key: key!, value });
    // Debezium follows a delete with a tombstone (null value) for log compaction
    if (spec.op === 'd') messages.push({ key: key!, value: null });
  }
  return { messages, final: [...live.values()].sort((a, b) => a.id - b.id), counts };
}
