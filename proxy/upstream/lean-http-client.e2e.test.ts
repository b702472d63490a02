// The lean client against real upstreams: node:http servers for what node:http answers, raw
// `net` servers for shapes it cannot produce (a connection dropped at a chosen byte, duplicate
// headers). Each upstream counts the connections it accepted, so that reuse, retries and the pool
// bound are seen from the server's side. Last, the same answers read by the node:http client it
// replaces (buffered-request.ts) and by this one must be equal.
import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { waitFor } from '../../lib/wait.ts';
import { bufferedRequest, UpstreamRequestError, type TimedAnswer } from './buffered-request.ts';
import { keepAliveAgent } from './keep-alive-agent.ts';
import { createLeanClient, type LeanClient, type LeanRequest } from './lean-http-client.ts';

jest.setTimeout(30_000);

type Upstream = {
  base: URL;
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[];
  /** connections accepted, ever */
  connections: number;
  open: Set<net.Socket>;
  /** the most connections open at once */
  mostOpen: number;
  close(): Promise<void>;
};

const upstreams: Upstream[] = [];
const clients: LeanClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
});

async function listen(server: net.Server, seen: Upstream['seen'] = []): Promise<Upstream> {
  const upstream: Upstream = {
    base: new URL('http://127.0.0.1'),
    seen,
    connections: 0,
    open: new Set(),
    mostOpen: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of upstream.open) socket.destroy();
      }),
  };
  server.on('connection', (socket: net.Socket) => {
    upstream.connections++;
    upstream.open.add(socket);
    upstream.mostOpen = Math.max(upstream.mostOpen, upstream.open.size);
    socket.on('close', () => upstream.open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.base.port = String((server.address() as net.AddressInfo).port);
  upstreams.push(upstream);
  return upstream;
}

function httpUpstream(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  configure: (server: http.Server) => void = () => {},
): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    handle(req, res);
  });
  configure(server);
  return listen(server, seen);
}

/** `answer` is called for each request head, with its number on its connection (from 0). */
function rawUpstream(
  answer: (socket: net.Socket, nth: number, connection: number, head: string) => void,
): Promise<Upstream> {
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = connections++;
    let pending = '';
    let nth = 0;
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      for (let end; (end = pending.indexOf('\r\n\r\n')) >= 0;) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        answer(socket, nth++, connection, head);
      }
    });
  });
  return listen(server);
}

function client(upstream: Upstream, maxConnections?: number): LeanClient {
  const created = createLeanClient(upstream.base, { maxConnections });
  clients.push(created);
  return created;
}

const get = (path: string, more: Partial<LeanRequest> = {}): LeanRequest => ({
  method: 'GET',
  path,
  headers: {},
  timeoutMs: 5000,
  maxBytes: 1 << 20,
  ...more,
});

/** The reason the request failed with; fails the test if it did not. */
async function reasonOf(request: Promise<unknown>): Promise<string> {
  const error = await request.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamRequestError);
  return (error as UpstreamRequestError).reason;
}

const json = (res: http.ServerResponse, value: unknown, status = 200) => {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
};
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const ok = (text: string, more = '') =>
  `HTTP/1.1 200 OK\r\ncontent-length: ${text.length}\r\n${more}\r\n${text}`;

describe('requests', () => {
  it("sends the read's headers; hop-by-hop ones, host and framing stay behind", async () => {
    const upstream = await httpUpstream((req, res) => json(res, { url: req.url }));
    const answer = await client(upstream).request(
      get('/api/products/7?lang=da&x=%20', {
        headers: {
          accept: 'application/json',
          'x-user-id': 'u1',
          cookie: 'session=abc; theme=dark',
          'x-multi': ['a', 'b'],
          host: 'shop.example.com',
          'content-length': '12',
          'transfer-encoding': 'chunked',
          connection: 'keep-alive, x-drop-me',
          'x-drop-me': 'only for the hop',
          'keep-alive': 'timeout=5',
          'proxy-authorization': 'Basic abc',
          te: 'trailers',
          upgrade: 'websocket',
          'x-smuggle': 'a\r\nx-injected: 1',
        },
      }),
    );
    expect(answer.status).toBe(200);
    const [seen] = upstream.seen;
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/api/products/7?lang=da&x=%20');
    const { host, ...rest } = seen.headers;
    expect(host).toBe(upstream.base.host);
    expect(rest).toEqual({
      accept: 'application/json',
      'x-user-id': 'u1',
      cookie: 'session=abc; theme=dark',
      'x-multi': 'a, b',
    });
  });

  it('reads a JSON answer with its content-length, without hop-by-hop answer headers', async () => {
    const product = { id: 7, name: 'Ærø 🌿', price: 12.5 };
    const upstream = await httpUpstream((_req, res) => {
      res.setHeader('x-side', 'service');
      json(res, product);
    });
    const answer = await client(upstream).request(get('/api/products/7'));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toEqual(product);
    expect(answer.headers).toMatchObject({
      'content-type': 'application/json',
      'content-length': String(answer.body.length),
      'x-side': 'service',
    });
    // node:http's server said connection: keep-alive and keep-alive: timeout=5
    expect(answer.headers.connection).toBeUndefined();
    expect(answer.headers['keep-alive']).toBeUndefined();
  });

  it('reads a chunked answer written in several pieces, and keeps the connection', async () => {
    const upstream = await httpUpstream(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (const piece of ['one ', 'two ', '', 'three']) {
        res.write(piece);
        await nextTurn();
      }
      res.end();
    });
    const lean = client(upstream);
    for (let i = 0; i < 3; i++) {
      const answer = await lean.request(get('/words'));
      expect(answer.headers['transfer-encoding']).toBe('chunked');
      expect(answer.body.toString()).toBe('one two three');
    }
    expect(upstream.connections).toBe(1);
  });

  it('reads a large body in many segments, by length and by chunks', async () => {
    const big = crypto.randomBytes(700 * 1024);
    const upstream = await httpUpstream((req, res) => {
      if (req.url === '/length') {
        res.writeHead(200, { 'content-length': big.length });
        return res.end(big);
      }
      res.writeHead(200);
      for (let at = 0; at < big.length; at += 50_000) res.write(big.subarray(at, at + 50_000));
      res.end();
    });
    const lean = client(upstream);
    for (const path of ['/length', '/chunks', '/length']) {
      const answer = await lean.request(get(path));
      expect(answer.body.length).toBe(big.length);
      expect(answer.body.equals(big)).toBe(true);
    }
    expect(upstream.connections).toBe(1);
  });

  it('reads no body for 204 and HEAD, and the connection carries the next request', async () => {
    const upstream = await httpUpstream((req, res) => {
      if (req.url === '/gone') {
        res.writeHead(204, { 'x-why': 'deleted' });
        return res.end();
      }
      json(res, { id: 1, padding: 'x'.repeat(500) });
    });
    const lean = client(upstream);
    const empty = await lean.request(get('/gone'));
    expect(empty).toMatchObject({ status: 204, headers: { 'x-why': 'deleted' } });
    expect(empty.body.length).toBe(0);
    const head = await lean.request(get('/product', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(500);
    expect(head.body.length).toBe(0);
    const full = await lean.request(get('/product'));
    expect(JSON.parse(full.body.toString())).toMatchObject({ id: 1 });
    expect(upstream.seen.map((s) => s.method)).toEqual(['GET', 'HEAD', 'GET']);
    expect(upstream.connections).toBe(1);
  });
});

describe('connections', () => {
  it('carries many sequential requests over one connection', async () => {
    const upstream = await httpUpstream((req, res) => json(res, { url: req.url }));
    const lean = client(upstream);
    for (let i = 0; i < 50; i++) {
      const answer = await lean.request(get(`/api/products/${i}`));
      expect(JSON.parse(answer.body.toString())).toEqual({ url: `/api/products/${i}` });
    }
    expect(upstream.seen).toHaveLength(50);
    expect(upstream.connections).toBe(1);
  });

  it('opens a new connection after an answer with connection: close', async () => {
    const upstream = await httpUpstream((_req, res) => {
      res.setHeader('connection', 'close');
      json(res, { ok: true });
    });
    const lean = client(upstream);
    for (let i = 0; i < 3; i++) {
      const answer = await lean.request(get('/closing'));
      expect(answer.status).toBe(200);
      expect(answer.headers.connection).toBeUndefined();
    }
    expect(upstream.connections).toBe(3);
  });

  it('reconnects when the server closed an idle connection (keepAliveTimeout)', async () => {
    const upstream = await httpUpstream(
      (_req, res) => json(res, { ok: true }),
      (server) => (server.keepAliveTimeout = 50),
    );
    const lean = client(upstream);
    expect((await lean.request(get('/a'))).status).toBe(200);
    await waitFor('the server to close the idle connection', async () => !upstream.open.size, {
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect((await lean.request(get('/b'))).status).toBe(200);
    expect(upstream.connections).toBe(2);
  });

  it('still answers when the server drops its connections just as a request goes out', async () => {
    const upstream = await httpUpstream((_req, res) => json(res, { ok: true }));
    const lean = client(upstream);
    await Promise.all([lean.request(get('/a')), lean.request(get('/b'))]);
    expect(upstream.open.size).toBe(2);
    // in the same turn: the client has not yet seen the connections end
    for (const socket of upstream.open) socket.destroy();
    const answers = await Promise.all([lean.request(get('/c')), lean.request(get('/d'))]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
  });

  it('sends a read again, once, on a new connection when a kept one closes unanswered', async () => {
    // each connection answers its first request and closes at the next without a byte, as a
    // server does that closed it idle while the request was on its way
    const upstream = await rawUpstream((socket, nth) =>
      nth === 0 ? socket.write(ok('fine')) : socket.destroy(),
    );
    const lean = client(upstream);
    await Promise.all([lean.request(get('/a')), lean.request(get('/b'))]);
    expect(upstream.connections).toBe(2);
    // two kept connections, both dead: the one retry must not take the other kept one
    const answer = await lean.request(get('/c'));
    expect(answer.body.toString()).toBe('fine');
    expect(upstream.connections).toBe(3);
  });

  it('does not send a read a third time', async () => {
    const upstream = await rawUpstream((socket, nth, connection) =>
      nth === 0 && connection === 0 ? socket.write(ok('fine')) : socket.destroy(),
    );
    const lean = client(upstream);
    await lean.request(get('/a'));
    expect(await reasonOf(lean.request(get('/b')))).toBe('unavailable');
    expect(upstream.connections).toBe(2);
  });

  it('does not send a read again on a new connection that failed, or once answer bytes came', async () => {
    const refusing = await rawUpstream((socket) => socket.destroy());
    expect(await reasonOf(client(refusing).request(get('/a')))).toBe('unavailable');
    expect(refusing.connections).toBe(1);

    const halfway = await rawUpstream((socket, nth) =>
      nth === 0 ? socket.write(ok('fine')) : socket.end('HTTP/1.1 200 OK\r\ncontent-le'),
    );
    const lean = client(halfway);
    await lean.request(get('/a'));
    expect(await reasonOf(lean.request(get('/b')))).toBe('unavailable');
    expect(halfway.connections).toBe(1);
  });

  it('never holds more than maxConnections, and answers every request', async () => {
    const upstream = await httpUpstream((req, res) => {
      setTimeout(() => json(res, { url: req.url }), 20);
    });
    const lean = client(upstream, 3);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => lean.request(get(`/slow/${i}`))),
    );
    expect(answers.map((a) => JSON.parse(a.body.toString()).url)).toEqual(
      Array.from({ length: 20 }, (_, i) => `/slow/${i}`),
    );
    expect(upstream.mostOpen).toBeLessThanOrEqual(3);
    expect(upstream.connections).toBe(3);
  });

  it('answers every queued request when each answer closes its connection', async () => {
    const upstream = await httpUpstream((req, res) => {
      res.setHeader('connection', 'close');
      setTimeout(() => json(res, { url: req.url }), 5);
    });
    const lean = client(upstream, 3);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => lean.request(get(`/slow/${i}`))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(upstream.connections).toBe(20);
  });

  it('close() closes the idle connections', async () => {
    const upstream = await httpUpstream(
      (_req, res) => setTimeout(() => json(res, {}), 10),
      // the server must not be the one closing them
      (server) => (server.keepAliveTimeout = 60_000),
    );
    const lean = client(upstream);
    await Promise.all([lean.request(get('/a')), lean.request(get('/b')), lean.request(get('/c'))]);
    expect(upstream.open.size).toBe(3);
    lean.close();
    await waitFor('the server to see the connections close', async () => !upstream.open.size, {
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(upstream.open.size).toBe(0);
  });
});

describe('failures', () => {
  it('is too_large for a declared length over maxBytes, and for a streamed one', async () => {
    const upstream = await httpUpstream((req, res) => {
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': 5000 });
        return res.end('x'.repeat(5000));
      }
      if (req.url === '/streamed') {
        res.writeHead(200);
        for (let i = 0; i < 10; i++) res.write('x'.repeat(600));
        return res.end();
      }
      json(res, { small: true });
    });
    const lean = client(upstream);
    expect(await reasonOf(lean.request(get('/declared', { maxBytes: 1000 })))).toBe('too_large');
    expect(await reasonOf(lean.request(get('/streamed', { maxBytes: 1000 })))).toBe('too_large');
    // the answers left half read went with their connections
    const after = await lean.request(get('/small', { maxBytes: 1000 }));
    expect(JSON.parse(after.body.toString())).toEqual({ small: true });
  });

  it('is a timeout when the upstream never answers, and drops that connection', async () => {
    const upstream = await httpUpstream(() => undefined);
    const lean = client(upstream);
    expect(await reasonOf(lean.request(get('/hang', { timeoutMs: 100 })))).toBe('timeout');
    await waitFor('the connection to close', async () => !upstream.open.size, {
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(upstream.seen).toHaveLength(1);
  });

  it('counts the wait for a connection into the timeout', async () => {
    const upstream = await httpUpstream((req, res) => {
      if (req.url === '/fast') json(res, { fast: true });
    });
    const lean = client(upstream, 1);
    let firstSettled = false;
    const first = lean.request(get('/hang', { timeoutMs: 1500 }));
    first.catch(() => undefined).finally(() => (firstSettled = true));
    // queued behind the first: its 100 ms run out while the only connection is still taken
    expect(await reasonOf(lean.request(get('/queued', { timeoutMs: 100 })))).toBe('timeout');
    expect(firstSettled).toBe(false);
    expect(await reasonOf(first)).toBe('timeout');
    expect(upstream.seen.map((s) => s.url)).toEqual(['/hang']);
    // the timed-out request left the line: the freed place goes to the next one
    expect((await lean.request(get('/fast'))).status).toBe(200);
  });

  it('is a timeout when no connection can be made in time', async () => {
    // a listener whose process is too busy to accept, its backlog full: the kernel drops further
    // SYNs, as for a host that is down (backlog 1 queues two; 0 would mean node's default)
    const child = spawn(process.execPath, [
      '-e',
      `const server = require('node:net').createServer();
       server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
         console.log(server.address().port);
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
       });`,
    ]);
    const fillers: net.Socket[] = [];
    try {
      const port = Number(await new Promise((resolve) => child.stdout.once('data', resolve)));
      const fill = () => {
        const socket = net.connect(port, '127.0.0.1').on('error', () => undefined);
        fillers.push(socket);
        return socket;
      };
      for (let queued = 0; queued < 2; queued++)
        await new Promise((resolve) => fill().once('connect', resolve));
      fill();
      const lean = createLeanClient(new URL(`http://127.0.0.1:${port}`));
      clients.push(lean);
      expect(await reasonOf(lean.request(get('/', { timeoutMs: 300 })))).toBe('timeout');
    } finally {
      child.kill('SIGKILL');
      for (const socket of fillers) socket.destroy();
    }
  });

  it('is unavailable for a port nobody listens on', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const lean = createLeanClient(new URL(`http://127.0.0.1:${port}`));
    clients.push(lean);
    expect(await reasonOf(lean.request(get('/')))).toBe('unavailable');
  });

  it('is unavailable when the upstream closes mid-body', async () => {
    const upstream = await httpUpstream(async (req, res) => {
      if (req.url === '/length') res.writeHead(200, { 'content-length': 1000 });
      else res.writeHead(200);
      res.write('only the start');
      await nextTurn();
      res.socket!.destroy();
    });
    const lean = client(upstream);
    expect(await reasonOf(lean.request(get('/length')))).toBe('unavailable');
    expect(await reasonOf(lean.request(get('/chunked')))).toBe('unavailable');
  });

  it('is unavailable for an answer that is not HTTP', async () => {
    const upstream = await rawUpstream((socket) => socket.write('SSH-2.0-OpenSSH_9.6\r\n\r\n'));
    expect(await reasonOf(client(upstream).request(get('/')))).toBe('unavailable');
  });
});

describe('the same answers as node:http (buffered-request.ts)', () => {
  const agent = keepAliveAgent();
  afterAll(() => agent.destroy());

  const big = crypto.randomBytes(300 * 1024);
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    switch (req.url) {
      case '/json':
        return json(res, { id: 3, name: 'Ærø', tags: ['a', 'b'] });
      case '/not-found':
        return json(res, { error: 'no such product' }, 404);
      case '/chunked':
        res.writeHead(200, { 'content-type': 'text/plain', 'x-piece-count': 3 });
        for (const piece of ['a', 'bb', 'ccc']) {
          res.write(piece);
          await nextTurn();
        }
        return res.end();
      case '/big':
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(big);
      case '/no-content':
        res.writeHead(204, { etag: '"v1"' });
        return res.end();
      case '/not-modified':
        res.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=60' });
        return res.end();
      case '/cookies':
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; HttpOnly']);
        res.setHeader('vary', ['accept', 'accept-language']);
        return json(res, { ok: true });
      case '/closing':
        res.setHeader('connection', 'close');
        return json(res, { closing: true });
    }
  };
  // shapes node:http's server does not write
  const raw: Record<string, string> = {
    'GET /duplicates': ok(
      '{}',
      'X-Trace: one\r\nx-trace: two\r\nContent-Type: application/json\r\ncontent-type: text/html\r\n' +
        'ETag: "1"\r\nETag: "2"\r\nCookie: a=1\r\nCookie: b=2\r\nSet-Cookie: s=1\r\nSET-COOKIE: s=2\r\n' +
        'X-Padded: \t spaced \t\r\nConnection: keep-alive, X-Trace-Hop\r\nX-Trace-Hop: gone\r\n',
    ),
    'GET /http10': 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end',
    'GET /interim':
      'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n' + ok('after hints', 'X-Final: 1\r\n'),
    'GET /chunk-extensions':
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '5;a=b\r\nhello\r\n6;c\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n',
  };

  it.each([
    ['GET', '/json'],
    ['GET', '/not-found'],
    ['GET', '/chunked'],
    ['GET', '/big'],
    ['GET', '/no-content'],
    ['GET', '/not-modified'],
    ['HEAD', '/json'],
    ['GET', '/cookies'],
    ['GET', '/closing'],
    ['GET', '/duplicates'],
    ['GET', '/http10'],
    ['GET', '/interim'],
    ['GET', '/chunk-extensions'],
  ])('%s %s', async (method, path) => {
    const answer = raw[`${method} ${path}`];
    const heads: string[] = [];
    const upstream = answer
      ? await rawUpstream((socket, _nth, _connection, head) => {
          heads.push(head.split('\r\n')[0]);
          socket.write(answer);
          if (path === '/http10') socket.end();
        })
      : await httpUpstream(handle);
    const request = {
      method,
      path,
      headers: { accept: '*/*' },
      timeoutMs: 5000,
      maxBytes: 1 << 20,
    };
    const reference = await bufferedRequest({ ...request, base: upstream.base, agent });
    const lean = await client(upstream).request(request);
    const comparable = ({ status, headers, body }: TimedAnswer) => {
      const { date: _date, ...rest } = headers;
      return { status, headers: rest, body: body.toString('base64') };
    };
    expect(comparable(lean)).toEqual(comparable(reference));
    if (answer) expect(heads).toEqual(Array(2).fill(`${method} ${path} HTTP/1.1`));
    else
      expect(upstream.seen.map((s) => `${s.method} ${s.url}`)).toEqual(
        Array(2).fill(`${method} ${path}`),
      );
  });
});
