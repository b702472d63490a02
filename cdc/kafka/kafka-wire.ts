/**
 * One TCP connection to a Kafka broker speaking the binary protocol: requests are framed with
 * their size and a request header, answers are matched to requests by correlation id. Each
 * answer arrives as one buffer, allocated once at its announced size and filled as the socket
 * delivers (no list of chunks concatenated again and again).
 *
 *   const broker = await connectBroker({ host: '127.0.0.1', port: 19092, clientId: 'ficus' });
 *   const body = await broker.request(API.Fetch, 11, encodedFetchBody);
 */
import net from 'node:net';
import { FicusError } from '../../lib/errors.ts';

export const API = { Fetch: 1, ApiVersions: 18 } as const;

/** A broker connection that failed or closed: retriable (reconnect, perhaps to another leader). */
export class BrokerConnectionError extends FicusError {
  constructor(message: string) {
    super('kafka_connection', message, { retriable: true });
  }
}

export type BrokerConnection = {
  readonly address: string;
  readonly closed: boolean;
  /** sends one request; resolves with the answer's body (after the correlation id) */
  request(apiKey: number, apiVersion: number, body: Buffer): Promise<Buffer>;
  close(): void;
};

export type BrokerAddress = { host: string; port: number };

export type ConnectOptions = BrokerAddress & {
  clientId: string;
  connectTimeoutMs?: number;
  /** an answer that takes longer closes the connection (a fetch's long poll is far shorter) */
  requestTimeoutMs?: number;
  /** the largest answer accepted; a bigger announced size means a broken stream */
  maxResponseBytes?: number;
};

type Pending = { resolve(body: Buffer): void; reject(error: Error): void; timer: NodeJS.Timeout };

/**
 * Assembles size-prefixed frames where the socket reads them: `target()` is the memory the next
 * read goes into (the rest of the size prefix, or the rest of the frame being filled), and
 * `filled(n)` takes what arrived. A frame is allocated once at its announced size, and the
 * socket writes into it directly: no read chunks allocated, none copied.
 */
export function createFrameAssembler(onFrame: (frame: Buffer) => void, maxBytes: number) {
  const head = Buffer.alloc(4);
  let headFilled = 0;
  let frame: Buffer | null = null;
  let filled = 0;
  return {
    target(): Buffer {
      return frame === null ? head.subarray(headFilled) : frame.subarray(filled);
    },
    filled(n: number): void {
      if (frame === null) {
        headFilled += n;
        if (headFilled < 4) return;
        headFilled = 0;
        const size = head.readInt32BE(0);
        if (size < 4 || size > maxBytes)
          throw new BrokerConnectionError(`the broker announced an answer of ${size} bytes`);
        frame = Buffer.allocUnsafeSlow(size);
        filled = 0;
        return;
      }
      filled += n;
      if (filled === frame.length) {
        const done = frame;
        frame = null;
        onFrame(done);
      }
    },
  };
}

export async function connectBroker(options: ConnectOptions): Promise<BrokerConnection> {
  const address = `${options.host}:${options.port}`;
  const clientId = Buffer.from(options.clientId);
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const pending = new Map<number, Pending>();
  let correlation = 0;
  let closed = false;
  const frames = createFrameAssembler(
    (frame) => {
      const id = frame.readInt32BE(0);
      const waiting = pending.get(id);
      if (!waiting) return fail(new BrokerConnectionError(`${address}: an answer to no request`));
      pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.resolve(frame.subarray(4));
    },
    options.maxResponseBytes ?? 256 << 20,
  );
  const socket = net.connect({
    host: options.host,
    port: options.port,
    noDelay: true,
    onread: {
      buffer: () => frames.target(),
      callback: (bytes: number) => {
        try {
          frames.filled(bytes);
        } catch (error) {
          fail(error as Error);
        }
        return true;
      },
    },
  });

  const fail = (error: Error) => {
    if (closed) return;
    closed = true;
    socket.destroy();
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    pending.clear();
  };
  socket.on('error', (error) => fail(new BrokerConnectionError(`${address}: ${error.message}`)));
  socket.on('close', () => fail(new BrokerConnectionError(`${address}: connection closed`)));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      fail(new BrokerConnectionError(`${address}: no connection within the timeout`));
      reject(new BrokerConnectionError(`${address}: no connection within the timeout`));
    }, options.connectTimeoutMs ?? 10_000);
    socket.once('connect', () => (clearTimeout(timer), resolve()));
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new BrokerConnectionError(`${address}: ${error.message}`));
    });
  });

  return {
    address,
    get closed() {
      return closed;
    },
    request(apiKey, apiVersion, body) {
      if (closed) return Promise.reject(new BrokerConnectionError(`${address}: connection closed`));
      const id = (correlation = (correlation + 1) | 0);
      // request header v1: api key, api version, correlation id, client id
      const header = Buffer.allocUnsafe(4 + 10 + clientId.length);
      header.writeInt32BE(header.length - 4 + body.length, 0);
      header.writeInt16BE(apiKey, 4);
      header.writeInt16BE(apiVersion, 6);
      header.writeInt32BE(id, 8);
      header.writeInt16BE(clientId.length, 12);
      clientId.copy(header, 14);
      return new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            fail(new BrokerConnectionError(`${address}: no answer within ${requestTimeoutMs} ms`)),
          requestTimeoutMs,
        );
        pending.set(id, { resolve, reject, timer });
        socket.cork();
        socket.write(header);
        socket.write(body);
        socket.uncork();
      });
    },
    close() {
      fail(new BrokerConnectionError(`${address}: connection closed`));
    },
  };
}
