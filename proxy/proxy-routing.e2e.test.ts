// Routing per stage through real Unleash (stages set with the admin API as `ficus stage` does),
// real upstream servers, and a real kit DB for the comparisons.
import { jest } from '@jest/globals';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import http from 'node:http';
import { waitFor } from '../lib/wait.ts';
import { loadStackConfig, stackUrls } from '../stack/stack-config.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.ts';
import { unleashAdmin } from '../test-support/unleash-admin.ts';
import {
  backendsFor,
  productHandler,
  startProxy,
  startUpstream,
  testPlan,
  uniqueService,
  type FakeUpstream,
  type StartedProxy,
} from '../test-support/proxy-e2e-harness.ts';

jest.setTimeout(30_000);
const stack = loadStackConfig();
const admin = unleashAdmin({ url: stackUrls(stack).unleash, token: stack.unleashAdminToken });
const service = uniqueService('route');
const plan = testPlan(service);
const users = Array.from({ length: 120 }, (_, i) => `user-${i}`);
let monolith: FakeUpstream;
let svc: FakeUpstream;
let proxy: StartedProxy;
let kit: TestDatabase;
let backupDir: string;

function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

async function stageTo(stage: 'legacy' | 'shadow' | 'canary' | 'live', percent = 0) {
  await admin.setStage(service, { stage, percent });
  await waitFor(
    `the proxy to see ${stage} ${percent}`,
    async () => {
      const s = proxy.proxy.ctx.stages.stateOf(service);
      return s.stage === stage && s.percent === percent;
    },
    { timeoutMs: 5000, intervalMs: 50 },
  );
}

beforeAll(async () => {
  kit = await createTestDatabase({ cluster: 'services', template: 'kit' });
  monolith = await startUpstream(productHandler('monolith'));
  svc = await startUpstream(productHandler('service'));
  backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-flags-'));
  proxy = await startProxy(
    plan,
    { monolith: monolith.url, service: svc.url },
    { FICUS_PROXY_FLAGS_BACKUP_DIR: backupDir },
    { kitDb: kit.knex },
  );
});

afterAll(async () => {
  await proxy?.close();
  await Promise.all([monolith?.close(), svc?.close()]);
  await admin.deleteFlag(service);
  await kit?.drop();
  fs.rmSync(backupDir, { recursive: true, force: true });
});

beforeEach(() => {
  monolith.seen.length = 0;
  svc.seen.length = 0;
});

it('sends what the plan does not name to the monolith, streamed, with request id, X-Forwarded-* and no hop-by-hop headers', async () => {
  const big = 'x'.repeat(3 * 1024 * 1024);
  monolith.handle = (req, res) => {
    res.writeHead(200, {
      'content-type': 'text/plain',
      connection: 'keep-alive, x-private',
      'x-private': 'secret',
      'keep-alive': 'timeout=5',
    });
    res.end(req.url === '/big' ? big : 'hello');
  };
  // node:http, not fetch: fetch will not send a Connection header of our choosing.
  const response = await rawGet(proxy.url + '/big', {
    'x-forwarded-for': '10.0.0.1',
    connection: 'x-hop',
    'x-hop': 'drop me',
  });
  expect(response.status).toBe(200);
  expect(response.body.length).toBe(big.length);
  expect(response.headers['x-ficus-backend']).toBe('monolith');
  expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.headers['x-private']).toBeUndefined();
  expect(response.headers['keep-alive']).toBeUndefined();
  const seen = monolith.seen[0];
  expect(seen.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
  expect(seen.headers['x-forwarded-proto']).toBe('http');
  expect(seen.headers['x-forwarded-host']).toBe(new URL(proxy.url).host);
  expect(seen.headers['x-hop']).toBeUndefined();
  expect(seen.headers['x-request-id']).toBe(response.headers['x-request-id']);
  const kept = await fetch(proxy.url + '/other', { headers: { 'x-request-id': 'abc-123' } });
  expect(kept.headers.get('x-request-id')).toBe('abc-123');
  monolith.handle = productHandler('monolith');
});

it('legacy: everything goes to the monolith and nothing is mirrored', async () => {
  await stageTo('legacy');
  expect(new Set(await backendsFor(proxy.url, users.slice(0, 10)))).toEqual(new Set(['monolith']));
  await new Promise((r) => setTimeout(r, 100));
  expect(svc.seen).toHaveLength(0);
});

it('shadow: the monolith answers, reads are mirrored and compared, comparisons reach the kit DB', async () => {
  await stageTo('shadow');
  const sent = Date.now();
  const response = await fetch(proxy.url + '/api/products/7', { headers: { 'x-user-id': 'u1' } });
  const answered = Date.now();
  expect(response.headers.get('x-ficus-backend')).toBe('monolith');
  expect(((await response.json()) as { meta: { side: string } }).meta.side).toBe('monolith');
  const post = await fetch(proxy.url + '/api/products', {
    method: 'POST',
    body: '{"sku":"A"}',
    headers: { 'content-type': 'application/json' },
  });
  expect(post.headers.get('x-ficus-backend')).toBe('monolith');
  await waitFor('the mirrored read', async () => svc.seen.length === 1, {
    timeoutMs: 3000,
    intervalMs: 20,
  });
  expect(svc.seen[0]).toMatchObject({ method: 'GET', url: '/api/products/7' });
  expect(svc.seen[0].headers['x-ficus-mirror']).toBe('1');
  await proxy.proxy.ctx.recorder!.flush();
  const rows = await waitFor(
    'the comparison row',
    async () => {
      const r = await kit.knex('proxy_comparisons').where({ service });
      return r.length ? r : undefined;
    },
    { timeoutMs: 5000 },
  );
  expect(rows[0]).toMatchObject({
    route: 'GET /api/products/:id',
    outcome: 'match',
    legacy_status: 200,
    service_status: 200,
  });
  // the read's own time, which the gates window on, not the later time it was stored at
  const readAt = (rows[0].read_at as Date).getTime();
  expect(readAt).toBeGreaterThanOrEqual(sent);
  expect(readAt).toBeLessThanOrEqual(answered);
  expect(readAt).toBeLessThanOrEqual((rows[0].recorded_at as Date).getTime());
});

it('canary: about the configured share of users go to the service, each user sticks to one side, writes stay on the monolith', async () => {
  await stageTo('canary', 50);
  const first = await backendsFor(proxy.url, users);
  const toService = first.filter((b) => b === service).length;
  expect(toService).toBeGreaterThan(users.length * 0.3);
  expect(toService).toBeLessThan(users.length * 0.7);
  expect(await backendsFor(proxy.url, users)).toEqual(first);
  const post = await fetch(proxy.url + '/api/products', {
    method: 'POST',
    body: '{}',
    headers: { 'x-user-id': users[first.indexOf(service)] },
  });
  expect(post.headers.get('x-ficus-backend')).toBe('monolith');
  // The monolith-served share is mirrored to the service.
  await waitFor(
    'mirrors of the monolith share',
    async () =>
      svc.seen.filter((s) => s.headers['x-ficus-mirror']).length >=
      first.filter((b) => b === 'monolith').length,
    { timeoutMs: 3000 },
  );
});

it('takes a stage change made in Unleash within seconds, without restart', async () => {
  await admin.setStage(service, { stage: 'live', percent: 100 });
  const started = Date.now();
  // Wait on the proxy's own view: a read alone could already go to the service in canary 50.
  await waitFor(
    'live routing',
    async () => proxy.proxy.ctx.stages.stateOf(service).stage === 'live',
    { timeoutMs: 5000, intervalMs: 50 },
  );
  expect((await backendsFor(proxy.url, ['someone']))[0]).toBe(service);
  expect(Date.now() - started).toBeLessThan(5000);
  const post = await fetch(proxy.url + '/api/products', { method: 'POST', body: '{"sku":"B"}' });
  expect(post.headers.get('x-ficus-backend')).toBe(service);
  expect(await post.json()).toEqual({ side: 'service', received: '{"sku":"B"}' });
  await stageTo('legacy');
  expect((await backendsFor(proxy.url, ['someone']))[0]).toBe('monolith');
});

it('persists the last known stages on disk', async () => {
  await stageTo('shadow');
  await waitFor(
    'the backup file',
    async () =>
      fs
        .readdirSync(backupDir)
        .some((f) => fs.readFileSync(path.join(backupDir, f), 'utf8').includes(`ficus.${service}`)),
    { timeoutMs: 3000 },
  );
});
