// The response parser fed as a socket may feed it: the whole answer at once, byte by byte, and
// cut in two at every offset (so inside the status line, a header, the CRLFCRLF, a chunk-size
// line, chunk data and the CRLF after it). Until the answer's last byte feed says undefined, and
// what it answers never depends on where the bytes were cut.
import {
  createResponseParser,
  ResponseError,
  type ParsedResponse,
} from './http-response-parser.ts';

type Options = { method?: string; maxBytes?: number };
type Seen = Omit<ParsedResponse, 'body'> & { body: string };
/** What one way of delivering the bytes gave: the answer from feed, or else from end(). */
type Reading = { cut: string; early: boolean; fed?: Seen; ended?: Seen };

const http = (...lines: string[]) => Buffer.from(lines.join('\r\n'), 'latin1');
const seen = (answer: ParsedResponse | undefined): Seen | undefined =>
  answer && { ...answer, body: answer.body.toString() };

/** Whole, byte by byte, and every cut in two. */
function deliveries(raw: Buffer): [string, Buffer[]][] {
  const ways: [string, Buffer[]][] = [
    ['whole', [raw]],
    ['byte by byte', [...raw].map((byte) => Buffer.from([byte]))],
  ];
  for (let at = 1; at < raw.length; at++)
    ways.push([
      `cut after ${JSON.stringify(raw.toString('latin1', 0, at).slice(-12))}`,
      [raw.subarray(0, at), raw.subarray(at)],
    ]);
  return ways;
}

function read(pieces: Buffer[], options: Options = {}) {
  const parser = createResponseParser({ method: 'GET', maxBytes: 1 << 20, ...options });
  const answers = pieces.map((piece) => parser.feed(piece));
  return {
    early: answers.slice(0, -1).some((answer) => answer !== undefined),
    fed: seen(answers.at(-1)),
    ended: seen(parser.end()),
  };
}

function readEveryWay(raw: Buffer, options: Options = {}): Reading[] {
  return deliveries(raw).map(([cut, pieces]) => ({ cut, ...read(pieces, options) }));
}

/** Every delivery completes on its last byte with `expected` (end() then has nothing to add). */
function expectAnswer(raw: Buffer, expected: Seen, options: Options = {}) {
  for (const reading of readEveryWay(raw, options))
    expect(reading).toEqual({ cut: reading.cut, early: false, fed: expected, ended: undefined });
}

/** Every delivery waits for the end of the connection, which then gives `expected` (or nothing). */
function expectAnswerAtEnd(raw: Buffer, expected: Seen | undefined, options: Options = {}) {
  for (const reading of readEveryWay(raw, options))
    expect(reading).toEqual({ cut: reading.cut, early: false, fed: undefined, ended: expected });
}

function errorOf(pieces: Buffer[], options: Options = {}) {
  try {
    read(pieces, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ResponseError);
    return (error as ResponseError).reason;
  }
  return 'no error';
}

function expectError(raw: Buffer, reason: ResponseError['reason'], options: Options = {}) {
  for (const [cut, pieces] of deliveries(raw))
    expect({ cut, reason: errorOf(pieces, options) }).toEqual({ cut, reason });
}

describe('bodies framed by Content-Length', () => {
  it('reads a JSON body, its length counted in bytes', () => {
    const body = '{"id":7,"name":"Ærø 🌿"}';
    const raw = Buffer.concat([
      http(
        'HTTP/1.1 200 OK',
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        '',
      ),
      Buffer.from(body),
    ]);
    expectAnswer(raw, {
      status: 200,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
      },
      body,
      keepAlive: true,
    });
  });

  it('reads a zero-length body at the end of the head', () => {
    expectAnswer(http('HTTP/1.1 404 Not Found', 'Content-Length: 0', '', ''), {
      status: 404,
      headers: { 'content-length': '0' },
      body: '',
      keepAlive: true,
    });
  });

  it('takes a status line without a reason phrase', () => {
    expectAnswer(http('HTTP/1.1 200', 'Content-Length: 2', '', 'ok'), {
      status: 200,
      headers: { 'content-length': '2' },
      body: 'ok',
      keepAlive: true,
    });
  });

  it('has nothing at the end of a connection that closed mid-body or mid-head', () => {
    const raw = http('HTTP/1.1 200 OK', 'Content-Length: 10', '', 'only5');
    expectAnswerAtEnd(raw, undefined);
  });
});

describe('chunked bodies', () => {
  it('reads chunks with extensions, skips trailers', () => {
    const raw = http(
      'HTTP/1.1 200 OK',
      'Transfer-Encoding: chunked',
      'Trailer: X-Checksum',
      '',
      '7;name=value',
      'Hello, ',
      '8 ; q="a;b"',
      'chunked ',
      '5',
      'world',
      '0;last',
      'X-Checksum: abc123',
      'X-Other: 1',
      '',
      '',
    );
    expectAnswer(raw, {
      status: 200,
      headers: { 'transfer-encoding': 'chunked', trailer: 'X-Checksum' },
      body: 'Hello, chunked world',
      keepAlive: true,
    });
  });

  it('reads many chunks: hex sizes in either case, leading zeros, CRLFs inside the data', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz';
    const raw = http(
      'HTTP/1.1 200 OK',
      'transfer-encoding: chunked',
      '',
      '1A',
      alphabet,
      'a',
      '0123456789',
      '00000004',
      '\r\n\r\n',
      '1',
      '!',
      '0',
      '',
      '',
    );
    expectAnswer(raw, {
      status: 200,
      headers: { 'transfer-encoding': 'chunked' },
      body: `${alphabet}0123456789\r\n\r\n!`,
      keepAlive: true,
    });
  });

  it('frames by chunks when chunked is the last coding, and over a Content-Length', () => {
    const raw = http(
      'HTTP/1.1 200 OK',
      'Content-Length: 100',
      'Transfer-Encoding: gzip, chunked',
      '',
      '3',
      'abc',
      '0',
      '',
      '',
    );
    expectAnswer(raw, {
      status: 200,
      headers: { 'content-length': '100', 'transfer-encoding': 'gzip, chunked' },
      body: 'abc',
      keepAlive: true,
    });
  });

  it('has nothing at the end of a connection that closed between chunks', () => {
    const raw = http('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', '3', 'abc', '');
    expectAnswerAtEnd(raw, undefined);
  });
});

describe('bodies framed by the end of the connection', () => {
  it('answers only at end(), with every byte, and never keeps the connection', () => {
    const raw = http(
      'HTTP/1.1 200 OK',
      'Content-Type: text/plain',
      '',
      'all of it\r\n\r\nuntil EOF',
    );
    expectAnswerAtEnd(raw, {
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: 'all of it\r\n\r\nuntil EOF',
      keepAlive: false,
    });
  });

  it('reads an empty one, even when the upstream asked to keep the connection', () => {
    expectAnswerAtEnd(http('HTTP/1.1 200 OK', 'Connection: keep-alive', '', ''), {
      status: 200,
      headers: { connection: 'keep-alive' },
      body: '',
      keepAlive: false,
    });
  });

  it('has nothing at end() before the head is complete', () => {
    const parser = createResponseParser({ method: 'GET', maxBytes: 100 });
    expect(parser.feed(http('HTTP/1.1 200 OK', 'Content-Type: te'))).toBeUndefined();
    expect(parser.end()).toBeUndefined();
  });
});

describe('answers without a body', () => {
  it('reads none for HEAD, whatever Content-Length or Transfer-Encoding say', () => {
    expectAnswer(
      http('HTTP/1.1 200 OK', 'Content-Length: 1234', '', ''),
      { status: 200, headers: { 'content-length': '1234' }, body: '', keepAlive: true },
      { method: 'HEAD' },
    );
    expectAnswer(
      http('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', ''),
      { status: 200, headers: { 'transfer-encoding': 'chunked' }, body: '', keepAlive: true },
      { method: 'HEAD' },
    );
  });

  it.each([204, 304])('reads none for %i, even with a Content-Length', (status) => {
    expectAnswer(http(`HTTP/1.1 ${status} Whatever`, 'Content-Length: 5', 'ETag: "x"', '', ''), {
      status,
      headers: { 'content-length': '5', etag: '"x"' },
      body: '',
      keepAlive: true,
    });
  });
});

describe('interim answers', () => {
  it('skips 100 Continue and 103 Early Hints; only the real answer counts', () => {
    const raw = http(
      'HTTP/1.1 100 Continue',
      '',
      'HTTP/1.1 103 Early Hints',
      'Link: </style.css>; rel=preload',
      '',
      'HTTP/1.1 201 Created',
      'Location: /api/products/9',
      'Content-Length: 2',
      '',
      '{}',
    );
    expectAnswer(raw, {
      status: 201,
      headers: { location: '/api/products/9', 'content-length': '2' },
      body: '{}',
      keepAlive: true,
    });
  });

  it('waits for the real answer after an interim one', () => {
    const parser = createResponseParser({ method: 'GET', maxBytes: 100 });
    expect(parser.feed(http('HTTP/1.1 100 Continue', '', ''))).toBeUndefined();
    expect(parser.end()).toBeUndefined();
  });
});

describe('headers as node:http names and joins them', () => {
  it('keeps set-cookie as a list, joins other duplicates, keeps the first of single ones', () => {
    const raw = http(
      'HTTP/1.1 200 OK',
      'Set-Cookie: a=1; Path=/',
      'X-Trace: one',
      'set-cookie: b=2',
      'Content-Type: application/json',
      'x-trace: two',
      'SET-COOKIE: c=3; HttpOnly',
      'content-type: text/html',
      'ETag: "first"',
      'ETag: "second"',
      'Server: one',
      'Server: two',
      'Cache-Control: no-cache',
      'Cache-Control: private',
      'Cookie: a=1',
      'Cookie: b=2',
      'Content-Length: 0',
      '',
      '',
    );
    expectAnswer(raw, {
      status: 200,
      headers: {
        'set-cookie': ['a=1; Path=/', 'b=2', 'c=3; HttpOnly'],
        'x-trace': 'one, two',
        'content-type': 'application/json',
        etag: '"first"',
        server: 'one',
        'cache-control': 'no-cache, private',
        cookie: 'a=1; b=2',
        'content-length': '0',
      },
      body: '',
      keepAlive: true,
    });
  });

  it('lowercases names and trims the whitespace around names and values', () => {
    const raw = http(
      'HTTP/1.1 200 OK',
      'CONTENT-LENGTH:2',
      'X-Mixed-Case: \t padded value \t ',
      // whitespace before the colon: RFC 9112 §5.1 has a proxy remove it from a response
      'X-Spaced-Name : v',
      'X-Empty:',
      'Location: http://example.test:8080/a?b=c',
      '',
      'ok',
    );
    expectAnswer(raw, {
      status: 200,
      headers: {
        'content-length': '2',
        'x-mixed-case': 'padded value',
        'x-spaced-name': 'v',
        'x-empty': '',
        location: 'http://example.test:8080/a?b=c',
      },
      body: 'ok',
      keepAlive: true,
    });
  });
});

describe('whether the connection may carry the next request', () => {
  const keepAliveOf = (raw: Buffer) => readEveryWay(raw).map((r) => r.fed?.keepAlive);
  const all = (raw: Buffer, value: boolean) =>
    expect(keepAliveOf(raw)).toEqual(deliveries(raw).map(() => value));

  it('HTTP/1.0: only with connection: keep-alive', () => {
    all(http('HTTP/1.0 200 OK', 'Content-Length: 2', '', 'ok'), false);
    all(http('HTTP/1.0 200 OK', 'Connection: Keep-Alive', 'Content-Length: 2', '', 'ok'), true);
  });

  it('HTTP/1.1: unless connection: close, in any case and among other tokens', () => {
    all(http('HTTP/1.1 200 OK', 'Content-Length: 2', '', 'ok'), true);
    all(http('HTTP/1.1 200 OK', 'Connection: close', 'Content-Length: 2', '', 'ok'), false);
    all(http('HTTP/1.1 200 OK', 'Connection: Close', 'Content-Length: 2', '', 'ok'), false);
    all(
      http('HTTP/1.1 200 OK', 'Connection: keep-alive, close', 'Content-Length: 2', '', 'ok'),
      false,
    );
    all(
      http(
        'HTTP/1.1 200 OK',
        'Connection: upgrade',
        'Connection: close',
        'Content-Length: 2',
        '',
        'ok',
      ),
      false,
    );
  });

  it('not when bytes follow the answer (the upstream said more than it was asked)', () => {
    const cases: [Buffer, Options][] = [
      [http('HTTP/1.1 200 OK', 'Content-Length: 2', '', 'okHTTP/1.1 200 OK', '', ''), {}],
      [http('HTTP/1.1 200 OK', 'Transfer-Encoding: chunked', '', '2', 'ok', '0', '', 'x'), {}],
      [http('HTTP/1.1 200 OK', 'Content-Length: 2', '', 'ok'), { method: 'HEAD' }],
      [http('HTTP/1.1 204 No Content', '', 'x'), {}],
    ];
    for (const [raw, options] of cases) {
      const headEnd = raw.indexOf('\r\n\r\n') + 4;
      // the extra bytes arrive with the answer's last ones, as they would in one TCP segment
      for (const pieces of [[raw], [raw.subarray(0, headEnd - 1), raw.subarray(headEnd - 1)]]) {
        const answer = read(pieces, options).fed;
        expect(answer).toMatchObject({ keepAlive: false });
      }
    }
  });
});

describe('the size bound', () => {
  it('refuses a declared Content-Length over maxBytes as soon as the head arrives', () => {
    const head = http('HTTP/1.1 200 OK', 'Content-Length: 11', '', '');
    expect(errorOf([head], { maxBytes: 10 })).toBe('too_large');
    expectAnswer(
      http('HTTP/1.1 200 OK', 'Content-Length: 10', '', '0123456789'),
      { status: 200, headers: { 'content-length': '10' }, body: '0123456789', keepAlive: true },
      { maxBytes: 10 },
    );
  });

  it('refuses chunks that add up to more than maxBytes', () => {
    const chunks = (...sizes: number[]) =>
      http(
        'HTTP/1.1 200 OK',
        'Transfer-Encoding: chunked',
        '',
        ...sizes.flatMap((size) => [size.toString(16), 'x'.repeat(size)]),
        '0',
        '',
        '',
      );
    expectError(chunks(6, 6), 'too_large', { maxBytes: 10 });
    expectAnswer(
      chunks(6, 4),
      {
        status: 200,
        headers: { 'transfer-encoding': 'chunked' },
        body: 'x'.repeat(10),
        keepAlive: true,
      },
      { maxBytes: 10 },
    );
  });

  it('refuses a body framed by the end of the connection once it passes maxBytes', () => {
    expectError(http('HTTP/1.1 200 OK', '', 'x'.repeat(11)), 'too_large', { maxBytes: 10 });
  });

  it('refuses a head over 64 KiB however it arrives, and reads one under it', () => {
    const headers = (bytes: number) =>
      Array.from({ length: bytes / 1024 }, (_, i) => `X-Filler-${i}: ${'f'.repeat(1000)}`);
    const big = http('HTTP/1.1 200 OK', ...headers(70 * 1024), 'Content-Length: 0', '', '');
    const in1k = (raw: Buffer) =>
      Array.from({ length: Math.ceil(raw.length / 1024) }, (_, i) =>
        raw.subarray(i * 1024, (i + 1) * 1024),
      );
    expect(errorOf(in1k(big))).toBe('malformed');
    expect(errorOf([big])).toBe('malformed');
    const fine = http('HTTP/1.1 200 OK', ...headers(60 * 1024), 'Content-Length: 0', '', '');
    expect(read(in1k(fine)).fed).toMatchObject({ status: 200, keepAlive: true });
    expect(read([fine]).fed).toMatchObject({ status: 200, keepAlive: true });
  });
});

describe('malformed answers', () => {
  it.each([
    ['HTTP/2 200 OK'],
    ['HTTP/1.1 20 OK'],
    ['HTTP/1.1 2000 OK'],
    ['HTTP/1.1 OK'],
    ['ICY 200 OK'],
    ['<html>hello</html>'],
    [''],
  ])('refuses the status line %j', (line) => {
    expectError(http(line, 'Content-Length: 0', '', ''), 'malformed');
  });

  it.each([['No-Colon-Here'], [': no name'], [' : blank name']])(
    'refuses the header line %j',
    (line) => {
      expectError(http('HTTP/1.1 200 OK', line, 'Content-Length: 0', '', ''), 'malformed');
    },
  );

  it.each([['abc'], ['-1'], ['1e2'], ['0x10'], ['']])('refuses Content-Length %j', (value) => {
    expectError(http('HTTP/1.1 200 OK', `Content-Length: ${value}`, '', ''), 'malformed');
  });

  it.each([['zz'], ['-1'], ['1x'], [''], [';ext'], ['0x5']])(
    'refuses the chunk size %j',
    (size) => {
      const raw = http(
        'HTTP/1.1 200 OK',
        'Transfer-Encoding: chunked',
        '',
        size,
        'abcde',
        '0',
        '',
        '',
      );
      expectError(raw, 'malformed');
    },
  );

  it('refuses a chunk not followed by CRLF', () => {
    const raw = http(
      'HTTP/1.1 200 OK',
      'Transfer-Encoding: chunked',
      '',
      '3',
      'abcXY',
      '0',
      '',
      '',
    );
    expectError(raw, 'malformed');
  });
});
