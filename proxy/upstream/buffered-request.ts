/**
 * One request to an upstream whose whole answer is read into memory, bounded in time and size:
 * what the mirror and the canary (which may still fall back) need. Streaming pass-through does
 * not use this. Errors say why, as a reason a metric can carry.
 */
import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Answer } from '../compare/compare-responses.ts';
import { stripHopByHop } from './forward-headers.ts';

export type UpstreamFailure = 'timeout' | 'unavailable' | 'too_large' | 'aborted';

export class UpstreamRequestError extends Error {
  readonly reason: UpstreamFailure;
  constructor(reason: UpstreamFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

export type TimedAnswer = Answer & { latencyMs: number };

export type BufferedRequest = {
  base: URL;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  timeoutMs: number;
  maxBytes: number;
  agent: http.Agent;
};

export function bufferedRequest(r: BufferedRequest): Promise<TimedAnswer> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const headers = { ...r.headers, host: r.base.host };
    const request = http.request({
      host: r.base.hostname,
      port: r.base.port,
      method: r.method,
      path: r.path,
      headers,
      agent: r.agent,
    });
    const fail = (reason: UpstreamFailure, message: string) => {
      request.destroy();
      reject(new UpstreamRequestError(reason, message));
    };
    const timer = setTimeout(
      () => fail('timeout', `no answer within ${r.timeoutMs} ms`),
      r.timeoutMs,
    );
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(new UpstreamRequestError('unavailable', error.message));
    });
    request.on('response', (response) => {
      const declared = Number(response.headers['content-length']);
      if (declared > r.maxBytes) {
        clearTimeout(timer);
        return fail('too_large', `answer of ${declared} bytes is over ${r.maxBytes}`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > r.maxBytes) {
          clearTimeout(timer);
          fail('too_large', `answer over ${r.maxBytes} bytes`);
          return;
        }
        chunks.push(chunk);
      });
      response.on('aborted', () => {
        clearTimeout(timer);
        reject(
          new UpstreamRequestError('aborted', 'the upstream closed the answer before its end'),
        );
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: response.statusCode ?? 502,
          headers: stripHopByHop({ ...response.headers }),
          body: Buffer.concat(chunks, size),
          latencyMs: performance.now() - started,
        });
      });
    });
    request.end();
  });
}
