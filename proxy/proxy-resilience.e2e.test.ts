// What must never make the monolith worse: Unleash down (at start, mid-run), a failing service
// during canary, oversized answers, malformed and oversized requests, held writes, and the admin
// API's token. Upstreams and a fake Unleash are real HTTP servers; no kit DB (recording off).
import { jest } from '@jest/globals';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../lib/wait.ts';
import { stageStrategy, flagName } from '../plan/stage-flag.ts';
import { staticStageSource } from './flags/stage-source.ts';
import {
  backendsFor,
  productHandler,
  startProxy,
  startUpstream,
  testPlan,
  uniqueService,
  type FakeUpstream,
  type Handler,
} from '../test-support/proxy-e2e-harness.ts';
import type { StageState } from '../plan/stages.ts';

jest.setTimeout(30_000);

const service = uniqueService('res');
const plan = testPlan(service);
let monolith: FakeUpstream;
let svc: FakeUpstream;
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-flags-'));
  dirs.push(dir);
  return dir;
};

/** A stand-in Unleash serving one flag definition, that a test can stop. */
async function fakeUnleash(state: StageState) {
  const feature = { ...stageStrategy(service, state), enabled: true };
  const body = JSON.stringify({
    version: 2,
    features: [{ name: flagName(service), enabled: true, strategies: [feature], variants: [] }],
  });
  return startUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

beforeAll(async () => {
  monolith = await startUpstream(productHandler('monolith'));
  svc = await startUpstream(productHandler('service'));
});
afterAll(async () => {
  await Promise.all([monolith.close(), svc.close()]);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const noDb = { FICUS_KIT_DB_URL: '' };

it('with Unleash unreachable at start and nothing known, sends everything to the monolith and fails nothing', async () => {
  const port = await closedPort();
  const proxy = await startProxy(
    plan,
    { monolith: monolith.url, service: svc.url },
    {
      ...noDb,
      FICUS_UNLEASH_URL: `http://127.0.0.1:${port}/api`,
      FICUS_PROXY_FLAGS_BACKUP_DIR: tempDir(),
    },
  );
  try {
    const responses = await Promise.all(
      ['a', 'b', 'c'].map((u) =>
        fetch(proxy.url + '/api/products/1', { headers: { 'x-user-id': u } }),
      ),
    );
    expect(responses.map((r) => [r.status, r.headers.get('x-ficus-backend')])).toEqual([
      [200, 'monolith'],
      [200, 'monolith'],
      [200, 'monolith'],
    ]);
  } finally {
    await proxy.close();
  }
});

it('keeps the last known stage when Unleash goes away mid-run, and starts from it after a restart while Unleash is down', async () => {
  const unleash = await fakeUnleash({ stage: 'live', percent: 100 });
  const backupDir = tempDir();
  const env = {
    ...noDb,
    FICUS_UNLEASH_URL: `${unleash.url}/api`,
    FICUS_PROXY_FLAGS_BACKUP_DIR: backupDir,
  };
  let proxy = await startProxy(plan, { monolith: monolith.url, service: svc.url }, env);
  try {
    await waitFor(
      'live from the fake Unleash',
      async () => (await backendsFor(proxy.url, ['u']))[0] === service,
      { timeoutMs: 5000, intervalMs: 50 },
    );
    await unleash.close();
    await new Promise((r) => setTimeout(r, 1500)); // several failed polls
    expect(await backendsFor(proxy.url, ['u', 'v'])).toEqual([service, service]);
    await proxy.close();
    proxy = await startProxy(plan, { monolith: monolith.url, service: svc.url }, env);
    await waitFor(
      'the stage from the backup',
      async () => proxy.proxy.ctx.stages.stateOf(service).stage === 'live',
      { timeoutMs: 3000, intervalMs: 20 },
    );
    expect(await backendsFor(proxy.url, ['w'])).toEqual([service]);
  } finally {
    await proxy.close();
  }
});

it('during canary, reads the service fails (5xx, down, slow) are answered by the monolith and counted; writes are never retried', async () => {
  const stages = staticStageSource({ [service]: { stage: 'canary', percent: 100 } }, () => true);
  const proxy = await startProxy(
    plan,
    { monolith: monolith.url, service: svc.url },
    { ...noDb, FICUS_PROXY_SERVICE_TIMEOUT_MS: '300', FICUS_PROXY_CIRCUIT_FAILURES: '3' },
    { stages },
  );
  try {
    svc.handle = (_req, res) => {
      res.writeHead(503);
      res.end('down');
    };
    const failing = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fetch(proxy.url + `/api/products/${i}`, { headers: { 'x-user-id': `u${i}` } }),
      ),
    );
    expect(failing.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(failing.map((r) => r.headers.get('x-ficus-backend'))).toEqual(Array(8).fill('monolith'));
    const counters = proxy.proxy.ctx.metrics.countersOf('GET /api/products/:id');
    expect((counters.fallbacks.error_status ?? 0) + (counters.fallbacks.circuit_open ?? 0)).toBe(8);
    expect(counters.fallbacks.circuit_open).toBeGreaterThan(0);

    svc.handle = () => {}; // never answers
    const stages2 = staticStageSource({ [service]: { stage: 'canary', percent: 100 } }, () => true);
    const slowProxy = await startProxy(
      plan,
      { monolith: monolith.url, service: svc.url },
      { ...noDb, FICUS_PROXY_SERVICE_TIMEOUT_MS: '200' },
      { stages: stages2 },
    );
    const slow = await fetch(slowProxy.url + '/api/products/1');
    expect([slow.status, slow.headers.get('x-ficus-backend')]).toEqual([200, 'monolith']);
    expect(slowProxy.proxy.ctx.metrics.countersOf('GET /api/products/:id').fallbacks.timeout).toBe(
      1,
    );
    await slowProxy.close();
  } finally {
    svc.handle = productHandler('service');
    await proxy.close();
  }
  // A service that is down entirely:
  const gone = await closedPort();
  const downProxy = await startProxy(
    plan,
    { monolith: monolith.url, service: `http://127.0.0.1:${gone}` },
    noDb,
    { stages: staticStageSource({ [service]: { stage: 'canary', percent: 100 } }, () => true) },
  );
  const live = await startProxy(
    plan,
    { monolith: monolith.url, service: `http://127.0.0.1:${gone}` },
    noDb,
    { stages: staticStageSource({ [service]: { stage: 'live', percent: 100 } }) },
  );
  try {
    const reads = await Promise.all(
      Array.from({ length: 5 }, () => fetch(downProxy.url + '/api/products/2')),
    );
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    monolith.seen.length = 0;
    const write = await fetch(live.url + '/api/products', { method: 'POST', body: '{"sku":"Z"}' });
    expect(write.status).toBe(502);
    expect(((await write.json()) as { error: string }).error).toBe('upstream_unavailable');
    expect(monolith.seen.filter((s) => s.method === 'POST')).toHaveLength(0);
  } finally {
    await downProxy.close();
    await live.close();
  }
});

it('does not compare answers over the mirror body limit, counts the skip, and still streams the whole answer', async () => {
  const big = { items: Array.from({ length: 5000 }, (_, i) => ({ id: i, name: `item ${i}` })) };
  const answer = productHandler('x');
  monolith.handle = svc.handle = (req, res, body) => {
    if (req.url?.startsWith('/api/products?')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(big));
    }
    answer(req, res, body);
  };
  const proxy = await startProxy(
    plan,
    { monolith: monolith.url, service: svc.url },
    { ...noDb, FICUS_PROXY_MIRROR_MAX_BODY_BYTES: '10000' },
    { stages: staticStageSource({ [service]: { stage: 'shadow', percent: 0 } }) },
  );
  try {
    const response = await fetch(proxy.url + '/api/products?page=1');
    expect(((await response.json()) as { items: unknown[] }).items).toHaveLength(5000);
    const counters = proxy.proxy.ctx.metrics.countersOf('GET /api/products');
    await waitFor('the skip', async () => counters.mirrorSkips.body_too_large === 1, {
      timeoutMs: 3000,
      intervalMs: 20,
    });
    expect(counters.comparisons).toEqual({});
    const small = await fetch(proxy.url + '/api/products/3');
    expect(small.status).toBe(200);
    await waitFor(
      'a comparison of the small one',
      async () =>
        proxy.proxy.ctx.metrics.countersOf('GET /api/products/:id').comparisons.match === 1,
      { timeoutMs: 3000, intervalMs: 20 },
    );
  } finally {
    monolith.handle = productHandler('monolith');
    svc.handle = productHandler('service');
    await proxy.close();
  }
});

it('in shadow, an answer over the mirror body limit during the half-open trial does not stop mirroring for good', async () => {
  const big = JSON.stringify({ items: Array.from({ length: 2000 }, (_, i) => ({ id: i })) });
  const bigFor =
    (path: string, otherwise: Handler): Handler =>
    (req, res, body) => {
      if (req.url !== path) return otherwise(req, res, body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(big);
    };
  monolith.handle = bigFor('/api/products?page=1', productHandler('monolith'));
  const proxy = await startProxy(
    plan,
    { monolith: monolith.url, service: svc.url },
    {
      ...noDb,
      FICUS_PROXY_MIRROR_MAX_BODY_BYTES: '10000',
      FICUS_PROXY_CIRCUIT_FAILURES: '2',
      FICUS_PROXY_CIRCUIT_COOLDOWN_MS: '300',
    },
    { stages: staticStageSource({ [service]: { stage: 'shadow', percent: 0 } }) },
  );
  const { ctx } = proxy.proxy;
  const counters = ctx.metrics.countersOf('GET /api/products/:id');
  const circuit = () => ctx.breakers.states()[service];
  const read = async (path: string) => expect((await fetch(proxy.url + path)).status).toBe(200);
  /** the service fails until the circuit opens, then is well again; the cooldown passes */
  const openAndCool = async () => {
    svc.handle = (_req, res) => {
      res.writeHead(503);
      res.end('down');
    };
    await waitFor(
      'the circuit open',
      async () => {
        await read('/api/products/1');
        return circuit() === 'open';
      },
      { timeoutMs: 5000, intervalMs: 20 },
    );
    // Reads mirrored before the circuit opened must not meet the service well again.
    await waitFor('no mirrored read in flight', async () => ctx.limiter.inFlight() === 0, {
      timeoutMs: 3000,
      intervalMs: 20,
    });
    svc.handle = bigFor('/api/products/9', productHandler('service'));
    await waitFor('the cooldown', async () => circuit() === 'half-open', {
      timeoutMs: 3000,
      intervalMs: 20,
    });
  };
  /** a small read is compared again, not skipped as `circuit_open` */
  const comparedAgain = async () => {
    const before = counters.comparisons.match ?? 0;
    await waitFor(
      'a mirrored read compared again',
      async () => {
        await read('/api/products/3');
        return (counters.comparisons.match ?? 0) > before;
      },
      { timeoutMs: 5000, intervalMs: 50 },
    );
    expect(circuit()).toBe('closed');
  };
  try {
    await openAndCool();
    // The trial goes to a read the monolith answers over the limit: nothing to compare it with.
    await read('/api/products?page=1');
    const listCounters = ctx.metrics.countersOf('GET /api/products');
    await waitFor('the skip', async () => listCounters.mirrorSkips.body_too_large === 1, {
      timeoutMs: 3000,
      intervalMs: 20,
    });
    await comparedAgain();

    await openAndCool();
    // The trial goes to a read the service answers over the limit.
    const skipped = counters.mirrorSkips.body_too_large ?? 0;
    await read('/api/products/9');
    await waitFor(
      'the skip',
      async () => (counters.mirrorSkips.body_too_large ?? 0) === skipped + 1,
      { timeoutMs: 3000, intervalMs: 20 },
    );
    await comparedAgain();
  } finally {
    monolith.handle = productHandler('monolith');
    svc.handle = productHandler('service');
    await proxy.close();
  }
});

function raw(url: string, text: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.on('data', (d) => (out += d));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

it('refuses malformed and oversized requests with a clear status, and goes on serving', async () => {
  const proxy = await startProxy(
    plan,
    { monolith: monolith.url, service: svc.url },
    { ...noDb, FICUS_PROXY_MAX_REQUEST_BYTES: '1000' },
    { stages: staticStageSource({}) },
  );
  try {
    expect(await raw(proxy.url, 'THIS IS NOT HTTP\r\n\r\n')).toMatch(
      /^HTTP\/1.1 400 .*"error":"malformed_request"/s,
    );
    expect(
      await raw(proxy.url, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    ).toMatch(/^HTTP\/1.1 431 .*headers_too_large/s);
    monolith.seen.length = 0;
    const tooBig = await fetch(proxy.url + '/api/products', {
      method: 'POST',
      body: 'x'.repeat(5000),
    });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toMatchObject({ error: 'request_too_large' });
    expect(monolith.seen).toHaveLength(0);
    expect((await fetch(proxy.url + '/api/products/1')).status).toBe(200);
  } finally {
    await proxy.close();
  }
});

it('guards the admin API with its token, and holds writes bounded (503 + Retry-After past the bound, through once released)', async () => {
  const proxy = await startProxy(plan, { monolith: monolith.url, service: svc.url }, noDb, {
    stages: staticStageSource({ [service]: { stage: 'canary', percent: 10 } }),
  });
  try {
    expect((await fetch(proxy.adminUrl + '/admin/routes')).status).toBe(401);
    expect(
      (
        await fetch(proxy.adminUrl + '/admin/routes', {
          headers: { authorization: 'Bearer wrong-token-x' },
        })
      ).status,
    ).toBe(401);
    expect(
      (await fetch(proxy.adminUrl + '/metrics', { headers: { authorization: 'Bearer nope' } }))
        .status,
    ).toBe(401);
    const routes = (await (await proxy.admin('/admin/routes')).json()) as { routes: unknown[] };
    expect(routes.routes[0]).toMatchObject({
      route: 'GET /api/products',
      service,
      stage: 'canary',
      percent: 10,
    });

    expect(
      (
        await proxy.admin(`/admin/services/${service}/hold-writes`, {
          method: 'POST',
          body: JSON.stringify({ boundMs: 300 }),
        })
      ).status,
    ).toBe(200);
    const refused = await fetch(proxy.url + '/api/products', {
      method: 'POST',
      body: '{"sku":"held"}',
    });
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: string }).error).toBe('writes_held');
    // A read is not held.
    expect((await fetch(proxy.url + '/api/products/1')).status).toBe(200);

    await proxy.admin(`/admin/services/${service}/hold-writes`, {
      method: 'POST',
      body: JSON.stringify({ boundMs: 5000 }),
    });
    monolith.seen.length = 0;
    const pending = fetch(proxy.url + '/api/products', { method: 'POST', body: '{"sku":"waits"}' });
    await new Promise((r) => setTimeout(r, 300));
    expect(monolith.seen).toHaveLength(0);
    expect(
      await (
        await proxy.admin(`/admin/services/${service}/release-writes`, { method: 'POST' })
      ).json(),
    ).toEqual({ released: true });
    const done = await pending;
    expect(done.status).toBe(201);
    expect(monolith.seen.map((s) => s.body)).toEqual(['{"sku":"waits"}']);

    const metrics = await (await proxy.admin('/metrics')).text();
    for (const name of [
      'ficus_proxy_requests_total',
      'ficus_proxy_request_duration_seconds_bucket',
      'ficus_proxy_held_writes_total',
      'ficus_proxy_comparisons_total',
    ]) {
      expect(metrics).toContain(name);
    }
    expect(
      (await proxy.admin('/admin/services/nope/hold-writes', { method: 'POST', body: '{}' }))
        .status,
    ).toBe(404);
  } finally {
    await proxy.close();
  }
});
