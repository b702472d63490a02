import { BrokerConnectionError, createFrameAssembler } from './kafka-wire.ts';

/** A frame as the broker sends it: its size, then its bytes. */
const framed = (body: Buffer) => {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
};

/** A body of `size` bytes that differs from every other body of the test. */
const body = (size: number, seed: number) =>
  Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed * 7) & 0xff));

/**
 * Plays the socket: asks the assembler where the next read goes, writes at most `readSize(i)` of
 * the stream's next bytes there (never more than the target holds), and says how many arrived.
 * Returns the frames in the order they came out, and every buffer a read went into.
 */
function deliver(stream: Buffer, readSize: (read: number) => number, maxBytes = 1 << 20) {
  const frames: Buffer[] = [];
  const targets: Buffer[] = [];
  const assembler = createFrameAssembler((frame) => frames.push(frame), maxBytes);
  for (let at = 0, read = 0; at < stream.length; read++) {
    const target = assembler.target();
    if (target.length === 0) throw new Error('the assembler gave an empty buffer to read into');
    const n = Math.min(target.length, stream.length - at, readSize(read));
    stream.copy(target, 0, at, at + n);
    targets.push(target);
    at += n;
    assembler.filled(n);
  }
  return { frames, targets, assembler };
}

describe('createFrameAssembler', () => {
  const bodies = [body(4, 1), body(5, 2), body(300, 3), body(70_000, 4), body(4, 5)];
  const stream = Buffer.concat(bodies.map(framed));

  it.each([
    ['one byte', () => 1],
    ['three bytes', () => 3],
    ['varying sizes', (i: number) => [1, 2, 5, 4096, 7, 3, 65_536][i % 7]],
  ])('assembles frames split across reads of %s', (_name, readSize) => {
    const { frames } = deliver(stream, readSize);
    expect(frames).toEqual(bodies);
  });

  it('takes several frames back to back, each read filling at most the rest of one', () => {
    const { frames, targets } = deliver(stream, () => Infinity);
    expect(frames).toEqual(bodies);
    // a size prefix, then the whole frame: two reads per frame
    expect(targets.map((t) => t.length)).toEqual(bodies.flatMap((b) => [4, b.length]));
  });

  it('reads each frame straight into the buffer it hands over', () => {
    const { frames, targets } = deliver(stream, (i) => (i % 2 ? 1000 : 3));
    for (const frame of frames) expect(targets.some((t) => t.buffer === frame.buffer)).toBe(true);
    // and no later read wrote over a frame already handed over
    expect(frames).toEqual(bodies);
  });

  it('assembles a size prefix split across reads', () => {
    const one = body(0x01_02_03, 9); // a size with a byte in each of three places
    const sizes = [1, 1, 2, 100, 3, 1];
    const { frames, targets } = deliver(
      Buffer.concat([framed(one), framed(body(6, 8))]),
      (i) => sizes[i] ?? 1 << 20,
    );
    expect(frames).toEqual([one, body(6, 8)]);
    // the prefix took three reads; what is left of it is all the next read may fill
    expect(targets.slice(0, 3).map((t) => t.length)).toEqual([4, 3, 2]);
  });

  it('waits for the rest of a frame: nothing comes out before its last byte', () => {
    const frame = framed(body(10, 1));
    const { frames, assembler } = deliver(frame.subarray(0, frame.length - 1), () => 2);
    expect(frames).toEqual([]);
    expect(assembler.target().length).toBe(1);
  });

  it.each([
    ['above the limit', 1025],
    ['negative', -1],
    ['smaller than a correlation id', 3],
    ['empty', 0],
  ])('rejects an announced size %s', (_name, size) => {
    const assembler = createFrameAssembler(() => {
      throw new Error('no frame expected');
    }, 1024);
    assembler.target().writeInt32BE(size, 0);
    let error: unknown;
    try {
      assembler.filled(4);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BrokerConnectionError);
    expect((error as BrokerConnectionError).message).toContain(`an answer of ${size} bytes`);
    expect((error as BrokerConnectionError).retriable).toBe(true);
  });

  it('accepts a frame of exactly the largest size', () => {
    const { frames } = deliver(framed(body(1024, 3)), () => 100, 1024);
    expect(frames).toEqual([body(1024, 3)]);
  });
});
