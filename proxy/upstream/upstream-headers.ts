/** Request headers for a buffered side request (mirror, canary, calibration): a copy, bodiless. */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';

export function bodilessCopy(
  headers: IncomingHttpHeaders,
  extra: Record<string, string> = {},
): IncomingHttpHeaders {
  const copy = { ...headers, ...extra };
  delete copy['content-length'];
  delete copy['transfer-encoding'];
  return copy;
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
