import type { AddressInfo } from 'node:net';
import { Router } from 'express';
import { createLogger } from '../lib/logger.ts';
import { createShopApp } from './shop-app.ts';

async function withApp(work: (baseUrl: string) => Promise<void>) {
  const app = createShopApp({
    log: createLogger('test', () => {}),
    routes: (app) =>
      app.use(
        '/api/echo',
        Router().post('/', (req, res) => res.json(req.body)),
      ),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await work(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
}

const post = (url: string, body: string) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('createShopApp', () => {
  it('answers health, the routes it is given, and 404 for the rest, without ETag or x-powered-by', async () => {
    await withApp(async (baseUrl) => {
      const health = await fetch(`${baseUrl}/health`);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect(health.headers.get('etag')).toBeNull();
      expect(health.headers.get('x-powered-by')).toBeNull();
      const echo = await post(`${baseUrl}/api/echo`, '{"a":1}');
      expect([echo.status, await echo.json()]).toEqual([200, { a: 1 }]);
      const unknown = await fetch(`${baseUrl}/api/nothing`);
      expect([unknown.status, await unknown.json()]).toEqual([
        404,
        { error: 'not_found', message: 'no route GET /api/nothing' },
      ]);
    });
  });

  it('refuses a JSON body over 1 MiB with 400 naming the body', async () => {
    await withApp(async (baseUrl) => {
      const big = await post(`${baseUrl}/api/echo`, JSON.stringify({ a: 'x'.repeat(1_100_000) }));
      expect(big.status).toBe(400);
      expect(await big.json()).toMatchObject({ details: { field: 'body' } });
    });
  });
});
