/**
 * A request body counted as it streams, whatever frames it: a declared Content-Length is checked
 * before anything is read (dispatch.ts), but a chunked body says nothing of its size until its
 * last chunk. Pure of HTTP: it only listens to the body's `data`.
 */
import type { Readable } from 'node:stream';

/**
 * Calls `over` once, with the bytes counted so far, as soon as the body passes `maxBytes`; it
 * stops counting then. Attach it before the body is piped anywhere, so that it sees each chunk
 * first. e.g. `watchBodySize(req, 10 * 1024 * 1024, (bytes) => stop(bytes))`
 */
export function watchBodySize(body: Readable, maxBytes: number, over: (bytes: number) => void) {
  let size = 0;
  const count = (chunk: Buffer) => {
    size += chunk.length;
    if (size <= maxBytes) return;
    body.off('data', count);
    over(size);
  };
  body.on('data', count);
}
