/**
 * Reads one HTTP/1.1 response from the bytes of a connection, as they arrive: status, headers
 * (named and joined as node:http does), and the body framed by Content-Length, chunked
 * Transfer-Encoding or the end of the connection; interim 1xx answers are skipped. Pure: the
 * lean client (lean-http-client.ts) feeds it. Anything malformed or over the size bound throws,
 * with a reason a metric can carry.
 */
import type { IncomingHttpHeaders } from 'node:http';

export type ParsedResponse = {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** may the connection carry the next request */
  keepAlive: boolean;
};

export class ResponseError extends Error {
  readonly reason: 'malformed' | 'too_large';
  constructor(reason: 'malformed' | 'too_large', message: string) {
    super(message);
    this.reason = reason;
  }
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const MAX_HEAD_BYTES = 64 * 1024;
/** headers node:http keeps once (the first one wins); set-cookie is a list, the rest are joined */
const SINGLE = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

function parseHead(text: string): {
  status: number;
  headers: IncomingHttpHeaders;
  http10: boolean;
} {
  const lines = text.split('\r\n');
  const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0]);
  if (!statusLine)
    throw new ResponseError('malformed', `not an HTTP/1.x status line: ${lines[0].slice(0, 60)}`);
  const headers: IncomingHttpHeaders = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, Math.max(colon, 0)).trim().toLowerCase();
    if (!name)
      throw new ResponseError('malformed', `a header line without a name: ${line.slice(0, 60)}`);
    const value = line.slice(colon + 1).trim();
    const before = headers[name];
    if (name === 'set-cookie') headers[name] = [...((before as string[] | undefined) ?? []), value];
    else if (before === undefined) headers[name] = value;
    else if (name === 'cookie')
      headers[name] = `${before}; ${value}`; // as node:http joins it
    else if (!SINGLE.has(name)) headers[name] = `${before}, ${value}`;
  }
  return { status: Number(statusLine[2]), headers, http10: statusLine[1] === '0' };
}

export function createResponseParser(options: { method: string; maxBytes: number }) {
  let pending: Buffer = Buffer.alloc(0);
  let head: ReturnType<typeof parseHead> | undefined;
  let framing: 'length' | 'chunked' | 'close' | 'none' = 'none';
  let remaining = 0; // bytes left of the body (length) or of the current chunk (chunked)
  let chunkState: 'size' | 'data' | 'data-end' | 'trailers' = 'size';
  const body: Buffer[] = [];
  let bodyBytes = 0;

  const take = (bytes: Buffer) => {
    bodyBytes += bytes.length;
    if (bodyBytes > options.maxBytes)
      throw new ResponseError('too_large', `answer over ${options.maxBytes} bytes`);
    body.push(bytes);
  };
  const done = (): ParsedResponse => {
    const { status, headers, http10 } = head!;
    // a list of tokens, duplicates joined: "keep-alive, close" closes, as node:http reads it
    const connection = String(headers.connection ?? '')
      .toLowerCase()
      .split(',')
      .map((token) => token.trim());
    const keepAlive =
      framing !== 'close' &&
      pending.length === 0 &&
      (http10 ? connection.includes('keep-alive') : !connection.includes('close'));
    return { status, headers, body: Buffer.concat(body, bodyBytes), keepAlive };
  };
  const startBody = () => {
    const { status, headers } = head!;
    const te = String(headers['transfer-encoding'] ?? '').toLowerCase();
    if (options.method === 'HEAD' || status === 204 || status === 304) framing = 'none';
    else if (te.split(',').some((t) => t.trim() === 'chunked')) framing = 'chunked';
    else if (headers['content-length'] !== undefined) {
      // digits only: Number() would also take "", "1e2" and "0x10" and frame the body wrong
      const declared = String(headers['content-length']);
      remaining = /^\d+$/.test(declared) ? Number(declared) : NaN;
      if (!Number.isSafeInteger(remaining))
        throw new ResponseError('malformed', `content-length ${String(headers['content-length'])}`);
      if (remaining > options.maxBytes)
        throw new ResponseError(
          'too_large',
          `answer of ${remaining} bytes is over ${options.maxBytes}`,
        );
      framing = 'length';
    } else framing = 'close';
  };

  /** Advances over `pending`; true once the response is complete. */
  const advance = (): boolean => {
    for (;;) {
      if (!head) {
        const end = pending.indexOf(HEAD_END);
        // the bound holds however the bytes arrived: a big head may come whole, with its end
        if ((end < 0 ? pending.length : end) > MAX_HEAD_BYTES)
          throw new ResponseError('malformed', 'headers too large');
        if (end < 0) return false;
        const parsed = parseHead(pending.toString('latin1', 0, end));
        pending = pending.subarray(end + HEAD_END.length);
        if (parsed.status >= 100 && parsed.status < 200) continue; // interim: the real one follows
        head = parsed;
        startBody();
      }
      if (framing === 'none') return true;
      if (framing === 'close') {
        if (pending.length) take(pending);
        pending = Buffer.alloc(0);
        return false;
      }
      if (framing === 'length') {
        const n = Math.min(remaining, pending.length);
        if (n) take(pending.subarray(0, n));
        pending = pending.subarray(n);
        remaining -= n;
        return remaining === 0;
      }
      // chunked: size line, data, CRLF, ...; after the 0-size chunk, trailer lines up to an empty one
      if (chunkState === 'data') {
        const n = Math.min(remaining, pending.length);
        if (n) take(pending.subarray(0, n));
        pending = pending.subarray(n);
        remaining -= n;
        if (remaining > 0) return false;
        chunkState = 'data-end';
      }
      const eol = pending.indexOf(CRLF);
      if (eol < 0) return false;
      const line = pending.toString('latin1', 0, eol);
      pending = pending.subarray(eol + 2);
      if (chunkState === 'data-end') {
        if (line !== '') throw new ResponseError('malformed', 'a chunk not followed by CRLF');
        chunkState = 'size';
      } else if (chunkState === 'trailers') {
        if (line === '') return true;
      } else {
        // hex digits only: parseInt would read "1x" as 1 and "0x5" as 5
        const digits = line.split(';')[0].trim();
        const size = /^[0-9a-f]+$/i.test(digits) ? parseInt(digits, 16) : NaN;
        if (!Number.isFinite(size))
          throw new ResponseError('malformed', `chunk size "${line.slice(0, 20)}"`);
        if (size === 0) chunkState = 'trailers';
        else {
          remaining = size;
          chunkState = 'data';
        }
      }
    }
  };

  return {
    /** the response once complete, else undefined (feed more) */
    feed(chunk: Buffer): ParsedResponse | undefined {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      return advance() ? done() : undefined;
    },
    /** the connection ended: the response, if its end was the end of the connection */
    end(): ParsedResponse | undefined {
      return head && framing === 'close' ? done() : undefined;
    },
  };
}
