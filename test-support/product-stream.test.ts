import { parseMessage } from '../cdc/sink/change-event.ts';
import { productStream } from './product-stream.ts';

const stream = productStream({ events: 3_000, keys: 200, seed: 7 });

test('the messages parse as Debezium changes; replayed in order they leave exactly `final`, and order matters', () => {
  const table = new Map<unknown, Record<string, unknown>>();
  const deleted = new Set<unknown>();
  let tombstones = 0;
  let reinserted = 0;
  stream.messages.forEach((m, i) => {
    const parsed = parseMessage({ topic: 't', partition: 0, offset: String(i), ...m });
    if (parsed.kind === 'tombstone') return void tombstones++;
    if (parsed.kind !== 'change') throw new Error(`unexpected ${parsed.kind}`);
    const row = JSON.parse(parsed.row.toString()) as Record<string, unknown>;
    const id = row.id;
    if (parsed.op === 'd') {
      expect(table.has(id)).toBe(true);
      table.delete(id);
      deleted.add(id);
    } else {
      expect(table.has(id)).toBe(parsed.op === 'u');
      if (parsed.op === 'c' && deleted.has(id)) reinserted++;
      table.set(id, row);
    }
  });
  expect(tombstones).toBe(stream.counts.d);
  expect(stream.counts.u).toBeGreaterThan(stream.counts.c);
  expect(reinserted).toBeGreaterThan(0);
  expect([...table.values()].sort((a, b) => Number(a.id) - Number(b.id))).toEqual(stream.final);
});

test('the same seed gives the same stream, another seed another one', () => {
  const again = productStream({ events: 3_000, keys: 200, seed: 7 });
  expect(again.final).toEqual(stream.final);
  expect(productStream({ events: 3_000, keys: 200, seed: 8 }).final).not.toEqual(stream.final);
});
