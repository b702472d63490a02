/**
 * undici's `Pool` behind the lean client's interface (proxy/upstream/lean-http-client.ts): the
 * same bounded, bodiless reads with their answers read whole, for the mirror worker to be measured
 * with either (bench/proxy-bench.ts `--undici`, which hands this module to the worker;
 * docs/decisions/0004). It uses undici's lowest level (`dispatch` with a handler, no body
 * stream), the cheapest way undici offers to read an answer.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Pool } from 'undici';
import { UpstreamRequestError, type TimedAnswer } from '../proxy/upstream/buffered-request.ts';
import { stripHopByHop } from '../proxy/upstream/forward-headers.ts';
import type { LeanRequest } from '../proxy/upstream/lean-http-client.ts';

// set or framed by the client
const NOT_FORWARDED = new Set(['host', 'content-length', 'transfer-encoding']);

function forwarded(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(stripHopByHop({ ...headers })))
    if (value !== undefined && !NOT_FORWARDED.has(name)) out[name] = value;
  return out;
}

export function createClient(base: URL, options: { maxConnections?: number } = {}) {
  const pool = new Pool(base.origin, { connections: options.maxConnections ?? 64, pipelining: 1 });
  return {
    request(r: LeanRequest): Promise<TimedAnswer> {
      const started = performance.now();
      return new Promise((resolve, reject) => {
        let status = 0;
        let headers: IncomingHttpHeaders = {};
        const chunks: Buffer[] = [];
        let size = 0;
        let failure: UpstreamRequestError | undefined;
        let abort: ((reason: Error) => void) | undefined;
        const fail = (error: UpstreamRequestError) => {
          failure ??= error;
          abort?.(error);
        };
        const timer = setTimeout(
          () => fail(new UpstreamRequestError('timeout', `no answer within ${r.timeoutMs} ms`)),
          r.timeoutMs,
        );
        pool.dispatch(
          { method: r.method, path: r.path, headers: forwarded(r.headers) },
          {
            onRequestStart(controller) {
              abort = (reason) => controller.abort(reason);
              if (failure) controller.abort(failure);
            },
            onResponseStart(controller, statusCode, responseHeaders) {
              status = statusCode;
              headers = responseHeaders as IncomingHttpHeaders;
              const length = Number(headers['content-length'] ?? 0);
              if (length > r.maxBytes)
                fail(new UpstreamRequestError('too_large', `answer of ${length} bytes`));
            },
            onResponseData(_controller, chunk) {
              size += chunk.length;
              if (size > r.maxBytes)
                return fail(new UpstreamRequestError('too_large', `answer over ${r.maxBytes} B`));
              chunks.push(chunk);
            },
            onResponseEnd() {
              clearTimeout(timer);
              const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
              const latencyMs = performance.now() - started;
              resolve({ status, headers: stripHopByHop(headers), body, latencyMs });
            },
            onResponseError(_controller, error) {
              clearTimeout(timer);
              reject(failure ?? new UpstreamRequestError('unavailable', error.message));
            },
          },
        );
      });
    },
    close() {
      void pool.close();
    },
  };
}
