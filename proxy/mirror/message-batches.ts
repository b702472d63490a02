/**
 * Messages between the event loop that serves clients and the mirror worker travel in batches,
 * and in a form that is cheap to post: one JSON text for the batch, and the monolith's answer
 * bodies copied into one buffer that is moved, not cloned. Measured on the 2-core machine
 * (`node`'s own postMessage, sender side): an object message carrying a Buffer costs ~60 µs
 * (the Buffer is serialised as a host object); batched objects ~6-11 µs a read; this form ~2 µs
 * a read. A message per read also cost each side a wake-up per read, the main thread's most of
 * all: a worker's answer interrupted whatever client it was serving. Batches arriving on the
 * main thread are taken a few items at a time, between clients, not in one burst.
 */
import type { FromWorker, ToWorker } from './mirror-messages.ts';

/** What one postMessage carries. `bodies` is moved to the receiver (transfer list). */
export type WireBatch = { json: string; bodies?: ArrayBuffer };

type Located = { bodyAt?: [number, number] };

/** The judge messages' legacy bodies go into one buffer; the items refer to them by place. */
export function encodeToWorker(items: ToWorker[]): WireBatch {
  let size = 0;
  for (const item of items) if (item.type === 'judge') size += item.legacy.answer?.body.length ?? 0;
  if (size === 0) return { json: JSON.stringify(items) };
  const bodies = new Uint8Array(size);
  let at = 0;
  const plain = items.map((item) => {
    if (item.type !== 'judge' || !item.legacy.answer) return item;
    const answer = item.legacy.answer;
    bodies.set(answer.body, at);
    const located: Located = { bodyAt: [at, answer.body.length] };
    at += answer.body.length;
    return {
      ...item,
      legacy: { ...item.legacy, answer: { ...answer, body: undefined, ...located } },
    };
  });
  return { json: JSON.stringify(plain), bodies: bodies.buffer };
}

export function decodeToWorker(wire: WireBatch): ToWorker[] {
  const items = JSON.parse(wire.json) as ToWorker[];
  for (const item of items) {
    const answer = item.type === 'judge' ? (item.legacy.answer as Located | undefined) : undefined;
    if (!answer?.bodyAt) continue;
    const [offset, length] = answer.bodyAt;
    delete answer.bodyAt;
    (answer as { body?: Buffer }).body = Buffer.from(wire.bodies!, offset, length);
  }
  return items;
}

export const encodeFromWorker = (items: FromWorker[]): WireBatch => ({
  json: JSON.stringify(items),
});
export const decodeFromWorker = (wire: WireBatch): FromWorker[] => JSON.parse(wire.json);

/**
 * Collects items and posts them together, `delayMs` after the first of a batch, or at once when
 * `maxItems` are waiting.
 */
export function createBatchSender<T>(
  encode: (items: T[]) => WireBatch,
  post: (wire: WireBatch, transfer: ArrayBuffer[]) => void,
  delayMs: number,
  maxItems = Infinity,
) {
  let items: T[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!items.length) return;
    const wire = encode(items);
    items = [];
    post(wire, wire.bodies ? [wire.bodies] : []);
  };
  return {
    push(item: T) {
      items.push(item);
      if (items.length >= maxItems) flush();
      else if (!timer) (timer = setTimeout(flush, delayMs)).unref();
    },
    /** drops what is waiting (its receiver is gone) */
    clear() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      items = [];
    },
  };
}

/**
 * Takes a batch's items `perTurn` at a time, each group in an event-loop turn of its own
 * (setImmediate), so that the I/O of clients waiting meanwhile is served between them.
 */
export function takeSpread<T>(items: T[], take: (item: T) => void, perTurn = 4): void {
  let at = 0;
  const turn = () => {
    const end = Math.min(items.length, at + perTurn);
    for (; at < end; at++) take(items[at]);
    if (at < items.length) setImmediate(turn);
  };
  turn();
}
