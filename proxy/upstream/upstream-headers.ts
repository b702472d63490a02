/** Request headers for a buffered side request (mirror, canary, calibration): a copy, bodiless. */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';

export function bodilessCopy(
  headers: IncomingHttpHeaders,
  extra: Record<string, string> = {},
): IncomingHttpHeaders {
  // built key by key rather than copied and `delete`d: a deleted key turns the object into a slow
  // dictionary for everything that reads it afterwards (on every mirrored read)
  const copy: IncomingHttpHeaders = {};
  for (const name in headers)
    if (name !== 'content-length' && name !== 'transfer-encoding') copy[name] = headers[name];
  return Object.assign(copy, extra);
}

/** Does the request carry a body? (then it cannot be replayed without buffering it) */
export function hasBody(req: IncomingMessage): boolean {
  return (
    Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined
  );
}

/** Headers to answer a client with a fully read body: its real length, no chunking. */
export function answerHeaders(headers: IncomingHttpHeaders, length: number): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...headers };
  delete out['transfer-encoding'];
  out['content-length'] = String(length);
  return out;
}
