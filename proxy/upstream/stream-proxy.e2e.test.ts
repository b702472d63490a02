// The streaming pass-through against an upstream that closes a kept-alive connection just as the
// next request arrives on it (what a keep-alive timeout or a restart does to an unlucky request):
// a raw `net` server answers the first request of each connection and resets the connection when
// a second one comes. Bodiless idempotent requests are sent again and succeed; others get the 502.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { keepAliveAgent } from './keep-alive-agent.ts';
import { createStreamProxy } from './stream-proxy.ts';

type Served = { requests: string[]; connections: number };

/** Answers the first request of each connection; the next one on it resets the connection. */
function oneRequestPerConnection(served: Served): net.Server {
  return net.createServer((socket) => {
    served.connections++;
    let answered = false;
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = pending.slice(0, end);
      pending = pending.slice(end + 4);
      served.requests.push(head.split('\r\n')[0]);
      if (answered) {
        socket.resetAndDestroy();
        return;
      }
      answered = true;
      const body = JSON.stringify({ ok: true });
      socket.write(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`,
      );
    });
    socket.on('error', () => undefined);
  });
}

const listen = (server: net.Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

let upstream: net.Server;
let front: http.Server;
let frontPort: number;
let served: Served;
let results: boolean[];
let agent: http.Agent;

/** The stream proxy to the upstream on `port`, through `through`; results noted in `results`. */
const proxyTo = (port: number, through: http.Agent) =>
  createStreamProxy('catalog', `http://127.0.0.1:${port}`, through, {
    onUpstreamResult: (ok) => results.push(ok),
    tapOf: () => undefined,
    requestIdOf: () => 'request-1',
    bodyLimitOf: () => undefined,
  });

/** The front server proxies to another upstream from now on. */
function frontProxiesTo(port: number, through: http.Agent) {
  front.removeAllListeners('request');
  front.on('request', proxyTo(port, through));
}

beforeEach(async () => {
  served = { requests: [], connections: 0 };
  results = [];
  agent = keepAliveAgent();
  upstream = oneRequestPerConnection(served);
  front = http.createServer(proxyTo(await listen(upstream), agent));
  frontPort = await listen(front);
});

afterEach(async () => {
  agent.destroy();
  front.closeAllConnections();
  await new Promise((resolve) => front.close(resolve));
  await new Promise((resolve) => upstream.close(resolve));
});

/** One request through the proxy on a connection of its own. */
function send(method: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { port: frontPort, host: '127.0.0.1', method, path: '/api/products/1', agent: false },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

test('a GET whose kept-alive connection was reset under it is sent again, and answered', async () => {
  expect((await send('GET')).status).toBe(200);
  const second = await send('GET'); // goes out on the kept-alive connection, which resets
  expect(second).toEqual({ status: 200, text: '{"ok":true}' });
  // the upstream saw it twice: on the old connection, then on a new one
  expect(served.requests).toEqual([
    'GET /api/products/1 HTTP/1.1',
    'GET /api/products/1 HTTP/1.1',
    'GET /api/products/1 HTTP/1.1',
  ]);
  expect(served.connections).toBe(2);
  // the breaker hears of the answers only, not of the connection closed under the request
  expect(results).toEqual([true, true]);
});

test('a POST is never sent twice: the reset connection is a 502 naming the request', async () => {
  expect((await send('GET')).status).toBe(200);
  const post = await send('POST', '{"name":"x"}');
  expect(post.status).toBe(502);
  expect(JSON.parse(post.text)).toMatchObject({
    error: 'upstream_unavailable',
    requestId: 'request-1',
  });
  expect(served.requests.filter((r) => r.startsWith('POST'))).toHaveLength(1);
  expect(results).toEqual([true, false]);
});

test('a GET that fails on a new connection is not sent again', async () => {
  upstream.removeAllListeners('connection');
  upstream.on('connection', (socket: net.Socket) => {
    served.connections++;
    socket.once('data', () => socket.resetAndDestroy());
  });
  const answer = await send('GET');
  expect(answer.status).toBe(502);
  expect(served.connections).toBe(1);
});

test('an idle kept-alive connection is closed by the proxy before the upstream closes it', async () => {
  agent.destroy();
  const idleMs = 200;
  const shortAgent = keepAliveAgent({ idleMs });
  frontProxiesTo((upstream.address() as AddressInfo).port, shortAgent);
  expect((await send('GET')).status).toBe(200);
  await new Promise((resolve) => setTimeout(resolve, idleMs * 3));
  // a new connection: the kept one was closed while idle (the upstream would reset it)
  expect((await send('GET')).status).toBe(200);
  expect(served.connections).toBe(2);
  expect(served.requests).toHaveLength(2);
  shortAgent.destroy();
});

test('an answer slower than the idle bound still streams through', async () => {
  const slow = http.createServer((_req, res) => {
    setTimeout(() => res.end('{"slow":true}'), 600);
  });
  const port = await listen(slow);
  const shortAgent = keepAliveAgent({ idleMs: 200 });
  frontProxiesTo(port, shortAgent);
  expect(await send('GET')).toEqual({ status: 200, text: '{"slow":true}' });
  shortAgent.destroy();
  slow.closeAllConnections();
  await new Promise((resolve) => slow.close(resolve));
});

test('the request target reaches the upstream as the edge made it, `*` included', async () => {
  const seen: string[] = [];
  const echo = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    res.end('{}');
  });
  const port = await listen(echo);
  frontProxiesTo(port, agent);
  const raw = (target: string, method = 'GET') =>
    new Promise<number>((resolve, reject) => {
      const request = http.request(
        { port: frontPort, host: '127.0.0.1', path: target, method, agent: false },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      request.end();
    });
  expect(await raw('/api/products?q=caf%C3%A9&tags=a,b&sort=-price')).toBe(200);
  expect(await raw('/api/products/1?x={y}|z')).toBe(200);
  expect(await raw('*', 'OPTIONS')).toBe(200);
  expect(seen).toEqual([
    '/api/products?q=caf%C3%A9&tags=a,b&sort=-price',
    '/api/products/1?x={y}|z',
    '*',
  ]);
  echo.closeAllConnections();
  await new Promise((resolve) => echo.close(resolve));
});
