/**
 * A lean HTTP/1.1 client for the parallel run's side requests: one bounded, bodiless read at a
 * time per kept-alive connection, the answer read whole into memory. It exists because the
 * mirror's service requests are pure overhead on the proxy's host: node:http's client spends
 * ~85 µs of CPU on such a request, this one ~18 µs (measured on the 2-core machine, a 600 B JSON
 * answer; docs/decisions/0004), and undici's Pool cost the mirror worker 17-40 µs more a read
 * (bench/proxy-bench.ts --undici; decision 0004, 2026-12-06). What it does not do, it need not: request bodies, pipelining,
 * upgrades, TLS (upstreams are reached over plain HTTP, as by the proxy itself).
 *
 *   const client = createLeanClient(new URL('http://127.0.0.1:18100'));
 *   const answer = await client.request({ method: 'GET', path: '/api/products/1', headers, timeoutMs: 2000, maxBytes: 1 << 20 });
 */
import net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { UpstreamRequestError, type TimedAnswer } from './buffered-request.ts';
import { stripHopByHop } from './forward-headers.ts';
import {
  createResponseParser,
  ResponseError,
  type ParsedResponse,
} from './http-response-parser.ts';

export type LeanRequest = {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  timeoutMs: number;
  maxBytes: number;
};

// set or framed by this client (stripHopByHop drops those for one connection only)
const NOT_FORWARDED = new Set(['host', 'content-length', 'transfer-encoding']);
const SAFE = /^[^\r\n]*$/;

function requestHead(base: URL, r: LeanRequest): string {
  let head = `${r.method} ${r.path} HTTP/1.1\r\nhost: ${base.host}\r\n`;
  for (const [name, value] of Object.entries(stripHopByHop({ ...r.headers }))) {
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [String(value)])
      if (SAFE.test(name) && SAFE.test(v)) head += `${name}: ${v}\r\n`;
  }
  return head + '\r\n';
}

export function createLeanClient(base: URL, options: { maxConnections?: number } = {}) {
  const maxConnections = options.maxConnections ?? 64;
  const idle: net.Socket[] = [];
  const waiting: ((socket: net.Socket | undefined) => void)[] = [];
  let open = 0;

  /** a timer for what is left until `deadline` */
  const until = (deadline: number, then: () => void) =>
    setTimeout(then, Math.max(0, deadline - performance.now()));

  const connect = (deadline: number) =>
    new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect({
        host: base.hostname,
        port: Number(base.port || 80),
        noDelay: true,
      });
      open++;
      socket.once('close', () => {
        open--;
        const at = idle.indexOf(socket);
        if (at >= 0) idle.splice(at, 1);
        waiting.shift()?.(undefined); // a place is free: the next in line connects
      });
      // a host that is down answers no SYN, and the OS would keep trying for minutes
      const timer = until(deadline, () => {
        socket.destroy();
        reject(new UpstreamRequestError('timeout', 'no connection in time'));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      // an idle connection the upstream resets must not take the thread down: 'close' cleans up
      socket.on('error', () => undefined);
    });

  /** in line for a connection handed over, or a free place (undefined), until `deadline` */
  const inLine = (deadline: number) =>
    new Promise<net.Socket | undefined>((resolve, reject) => {
      const take = (socket: net.Socket | undefined) => {
        clearTimeout(timer);
        resolve(socket);
      };
      const timer = until(deadline, () => {
        waiting.splice(waiting.indexOf(take), 1);
        reject(new UpstreamRequestError('timeout', 'no free connection in time'));
      });
      waiting.push(take);
    });

  /**
   * A kept-alive connection, or a new one; `reused` says which. `fresh`: none that sat idle (a
   * connection handed over straight from its last answer is fine).
   */
  const acquire = async (
    deadline: number,
    fresh: boolean,
  ): Promise<{ socket: net.Socket; reused: boolean }> => {
    const kept = fresh ? undefined : idle.pop();
    if (kept) return { socket: kept.ref(), reused: true };
    if (open >= maxConnections) {
      const handed = await inLine(deadline);
      if (handed) return { socket: handed.ref(), reused: true };
    }
    return { socket: await connect(deadline), reused: false };
  };
  const release = (socket: net.Socket) => {
    const next = waiting.shift();
    if (next) return next(socket);
    idle.push(socket.unref());
  };

  /** One request and its answer on a connection; errors say whether any answer had arrived. */
  const exchange = (socket: net.Socket, r: LeanRequest, deadline: number) =>
    new Promise<ParsedResponse>((resolve, reject) => {
      const parser = createResponseParser({ method: r.method, maxBytes: r.maxBytes });
      let received = false;
      const finish = (error?: Error, answer?: ParsedResponse) => {
        clearTimeout(timer);
        socket.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', finish);
        if (error) reject(Object.assign(error, { received }));
        else resolve(answer!);
      };
      const onData = (chunk: Buffer) => {
        received = true;
        try {
          const answer = parser.feed(chunk);
          if (answer) finish(undefined, answer);
        } catch (error) {
          finish(error as Error);
        }
      };
      const onEnd = () => {
        const answer = parser.end();
        finish(
          answer ? undefined : new Error('the upstream closed the connection mid-answer'),
          answer,
        );
      };
      const timer = until(deadline, () =>
        finish(new UpstreamRequestError('timeout', `no answer within ${r.timeoutMs} ms`)),
      );
      socket.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', finish);
      socket.write(requestHead(base, r), 'latin1');
    });

  return {
    async request(r: LeanRequest): Promise<TimedAnswer> {
      const started = performance.now();
      // timeoutMs bounds it all, as for node:http: the wait for a place, connecting, the retry
      const deadline = started + r.timeoutMs;
      // A kept-alive connection the upstream closed meanwhile fails before any answer: a read can
      // then be sent again, once, on a new connection. Not on another idle one: it may have been
      // closed at the same time (a restarted upstream, one keepAliveTimeout for all).
      for (let attempt = 1; ; attempt++) {
        let acquired;
        try {
          acquired = await acquire(deadline, attempt > 1);
        } catch (error) {
          if (error instanceof UpstreamRequestError) throw error;
          throw new UpstreamRequestError('unavailable', (error as Error).message);
        }
        const { socket, reused } = acquired;
        try {
          const answer = await exchange(socket, r, deadline);
          if (answer.keepAlive) release(socket);
          else socket.destroy();
          const { status, headers, body } = answer;
          return {
            status,
            headers: stripHopByHop(headers),
            body,
            latencyMs: performance.now() - started,
          };
        } catch (error) {
          socket.destroy();
          const e = error as Error & { received?: boolean };
          if (e instanceof UpstreamRequestError) throw e;
          if (e instanceof ResponseError)
            throw new UpstreamRequestError(
              e.reason === 'too_large' ? 'too_large' : 'unavailable',
              e.message,
            );
          if (reused && !e.received && attempt === 1) continue;
          throw new UpstreamRequestError('unavailable', e.message);
        }
      }
    },
    close() {
      for (const socket of idle.splice(0)) socket.destroy();
    },
  };
}

export type LeanClient = ReturnType<typeof createLeanClient>;
