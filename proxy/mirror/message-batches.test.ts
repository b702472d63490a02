import {
  createBatchSender,
  decodeFromWorker,
  decodeToWorker,
  encodeFromWorker,
  encodeToWorker,
  takeSpread,
  type WireBatch,
} from './message-batches.ts';
import type { FromWorker, MirroredRead, ToWorker } from './mirror-messages.ts';

const read = (path: string): MirroredRead => ({
  route: 'GET /api/products/:id',
  service: 'catalog',
  method: 'GET',
  path,
  headers: { 'x-user-id': 'u1', cookie: 'a=b' },
});
const judge = (id: number, body: Buffer): ToWorker => ({
  type: 'judge',
  id,
  read: read(`/api/products/${id}`),
  legacy: { answer: { status: 200, headers: { etag: 'W/"1"' }, body, latencyMs: 1.5 } },
  calibrate: id % 2 === 0,
  noise: ['$.meta.servedAt'],
});

describe('the wire form of mirror messages', () => {
  it('carries every body in one moved buffer and gives each item its own back', () => {
    const bodies = [
      Buffer.from('{"name":"Ærø 🌿"}'),
      Buffer.from([0, 255, 1, 254]),
      Buffer.alloc(0),
    ];
    const items: ToWorker[] = [
      judge(1, bodies[0]),
      { type: 'recheck', id: 2, read: read('/x'), noise: [] },
      judge(3, bodies[1]),
      judge(4, bodies[2]),
      {
        type: 'judge',
        id: 5,
        read: read('/y'),
        legacy: { error: 'timeout' },
        calibrate: false,
        noise: [],
      },
    ];
    const wire = encodeToWorker(items);
    expect(wire.bodies!.byteLength).toBe(bodies[0].length + bodies[1].length);
    // what the receiving thread sees: the buffer moved, the text cloned
    const copy = structuredClone(wire, { transfer: [wire.bodies!] }) as WireBatch;
    const back = decodeToWorker(copy);
    expect(back).toHaveLength(5);
    const bodyOf = (i: number) => {
      const item = back[i];
      return item.type === 'judge' ? item.legacy.answer?.body : undefined;
    };
    expect(Buffer.isBuffer(bodyOf(0))).toBe(true);
    expect(bodyOf(0)!.toString()).toBe('{"name":"Ærø 🌿"}');
    expect([...bodyOf(2)!]).toEqual([0, 255, 1, 254]);
    expect(bodyOf(3)!.length).toBe(0);
    expect(back[1]).toEqual(items[1]);
    expect(back[4]).toEqual(items[4]);
    expect(back[0]).toMatchObject({ id: 1, calibrate: false, noise: ['$.meta.servedAt'] });
    expect(items[0].type === 'judge' && items[0].legacy.answer!.body).toBe(bodies[0]); // untouched
  });

  it('sends answers as text alone', () => {
    const answers: FromWorker[] = [
      { type: 'judged', id: 1, service: { status: 200, latencyMs: 2 }, calibration: [] },
      { type: 'failed', id: 2, error: 'boom' },
    ];
    const wire = encodeFromWorker(answers);
    expect(wire.bodies).toBeUndefined();
    expect(decodeFromWorker(wire)).toEqual(answers);
  });

  /** A sender of numbers whose posts are collected, decoded, in `posts`. */
  const collectingSender = (delayMs: number, maxItems?: number) => {
    const posts: number[][] = [];
    const sender = createBatchSender<number>(
      (items) => ({ json: JSON.stringify(items) }),
      (wire) => posts.push(JSON.parse(wire.json)),
      delayMs,
      maxItems,
    );
    return { posts, sender };
  };

  it('collects what is said within the delay into one post', async () => {
    const { posts, sender } = collectingSender(5);
    sender.push(1);
    sender.push(2);
    expect(posts).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    sender.push(3);
    sender.push(4);
    sender.clear();
    await new Promise((r) => setTimeout(r, 20));
    expect(posts).toEqual([[1, 2]]);
  });

  it('posts a batch at once when it is full, and the rest after the delay', async () => {
    const { posts, sender } = collectingSender(5, 2);
    sender.push(1);
    sender.push(2);
    sender.push(3);
    expect(posts).toEqual([[1, 2]]);
    await new Promise((r) => setTimeout(r, 20));
    expect(posts).toEqual([[1, 2], [3]]);
  });

  it('takes a batch a few items per event-loop turn, in order', async () => {
    const taken: number[] = [];
    takeSpread([1, 2, 3, 4, 5, 6, 7, 8, 9], (n) => taken.push(n), 4);
    expect(taken).toEqual([1, 2, 3, 4]);
    await new Promise((r) => setImmediate(r));
    expect(taken).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await new Promise((r) => setImmediate(r));
    expect(taken).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
