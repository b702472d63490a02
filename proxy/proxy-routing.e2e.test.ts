// Routing per stage through real Unleash (stages set with the admin API as `ficus stage` does),
// real upstream servers, and a real kit DB for the comparisons.
import { jest } from '@jest/globals';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { waitFor } from '../lib/wait.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';
import { stackUnleashAdmin } from '../test-support/stack-access.ts';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.ts';
import { jwtParts, sampleJwt } from '../test-support/sample-jwt.ts';
import {
  backendsFor,
  productHandler,
  startProxy,
  startUpstream,
  testPlan,
  uniqueService,
  type FakeUpstream,
  type Handler,
  type StartedProxy,
} from '../test-support/proxy-e2e-harness.ts';

jest.setTimeout(30_000);
const admin = stackUnleashAdmin();
const service = uniqueService('route');
const plan = testPlan(service, {
  ignore: ['$.meta.servedAt', '$.meta.side'],
  headers: ['set-cookie', 'x-seen-bearer'],
  unredact: ['$.tokenCount'],
});
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

it('shadow: a comparison that differs in credentials stores and reports none of them', async () => {
  await stageTo('shadow');
  const jwt = sampleJwt({ sub: 'user-7', email: 'ann@example.com', scope: 'orders:write' });
  const secrets = [
    ...jwtParts(jwt),
    'tok-mono-1',
    'tok-svc-2',
    'cookie-m-3',
    'cookie-s-4',
    'key-5',
  ];
  const answer =
    (side: 'monolith' | 'service'): Handler =>
    (req, res) => {
      const mono = side === 'monolith';
      res.writeHead(200, {
        'content-type': 'application/json',
        'set-cookie': `sid=${mono ? 'cookie-m-3' : 'cookie-s-4'}; HttpOnly`,
        // the monolith passes the bearer on as it came, the service only the token
        'x-seen-bearer': mono ? String(req.headers.authorization) : jwt,
      });
      const session = { user: 'ann', grant: { note: `issued ${jwt}` } };
      res.end(
        JSON.stringify({
          items: [],
          tokenCount: mono ? 3 : 4,
          apiToken: mono ? 'tok-mono-1' : 'tok-svc-2',
          ...(mono ? { session } : {}),
        }),
      );
    };
  monolith.handle = answer('monolith');
  svc.handle = answer('service');
  const response = await fetch(proxy.url + '/api/products?api_key=key-5&page=1', {
    headers: { authorization: `Bearer ${jwt}`, 'x-user-id': 'u-redact' },
  });
  expect(((await response.json()) as { apiToken: string }).apiToken).toBe('tok-mono-1');
  const row = await waitFor(
    'the mismatch row (after its recheck)',
    async () => {
      await proxy.proxy.ctx.recorder!.flush();
      return kit
        .knex('proxy_comparisons')
        .where({ service, method: 'GET' })
        .andWhere('url', 'like', '/api/products?%')
        .first();
    },
    { timeoutMs: 10_000, intervalMs: 100 },
  );
  monolith.handle = productHandler('monolith');
  svc.handle = productHandler('service');

  // judged on the real values (a token that differs is a difference), stored redacted
  expect(row).toMatchObject({
    outcome: 'mismatch',
    url: '/api/products?api_key=[redacted]&page=1',
  });
  const byPath = Object.fromEntries(
    (row.differences as { path: string }[]).map(({ path, ...rest }) => [path, rest]),
  );
  expect(byPath).toEqual({
    'header:set-cookie': { kind: 'changed', legacy: '[redacted]', service: '[redacted]' },
    'header:x-seen-bearer': { kind: 'changed', legacy: 'Bearer [redacted]', service: '[redacted]' },
    '$.tokenCount': { kind: 'changed', legacy: 3, service: 4 }, // opted back in by the plan
    '$.apiToken': { kind: 'changed', legacy: '[redacted]', service: '[redacted]' },
    '$.session': {
      kind: 'missing_in_service',
      legacy: { user: 'ann', grant: { note: 'issued [redacted]' } },
    },
  });
  const stored = JSON.stringify(await kit.knex('proxy_comparisons').where({ service }));
  const shown = JSON.stringify(await (await proxy.admin('/admin/mismatches?limit=200')).json());
  for (const text of [stored, shown]) expect(secrets.filter((s) => text.includes(s))).toEqual([]);

  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-report-'));
  await promisify(execFile)(
    process.execPath,
    [path.join(REPO_ROOT, 'bin/ficus.js'), 'report', '--format', 'md,html', '--out', out],
    { env: { ...process.env, FICUS_KIT_DB_URL: kit.url }, timeout: 60_000 },
  );
  const markdown = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  expect(markdown).toContain('`$.apiToken`');
  for (const file of ['report.md', 'report.html']) {
    const text = fs.readFileSync(path.join(out, file), 'utf8');
    expect(secrets.filter((s) => text.includes(s))).toEqual([]);
  }
  fs.rmSync(out, { recursive: true, force: true });
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
