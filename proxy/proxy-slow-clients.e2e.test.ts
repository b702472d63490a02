// Slowloris, kept as a regression test (issue 15's probes): hundreds of connections that send their
// headers a line at a time never finish a request, and the proxy goes on answering everyone else.
import { jest } from '@jest/globals';
import net from 'node:net';
import { staticStageSource } from './flags/stage-source.ts';
import {
  productHandler,
  startProxy,
  startUpstream,
  testPlan,
  uniqueService,
  type FakeUpstream,
  type StartedProxy,
} from '../test-support/proxy-e2e-harness.ts';

jest.setTimeout(60_000);

const SLOW_CLIENTS = 300;
const NORMAL_REQUESTS = 60;

const service = uniqueService('slow');
const plan = testPlan(service);
let monolith: FakeUpstream;
let proxy: StartedProxy;

beforeAll(async () => {
  monolith = await startUpstream(productHandler('monolith'));
  proxy = await startProxy(
    plan,
    { monolith: monolith.url, service: monolith.url },
    { FICUS_KIT_DB_URL: '' },
    { stages: staticStageSource({ [service]: { stage: 'legacy', percent: 0 } }) },
  );
});

afterAll(async () => {
  await proxy.close();
  await monolith.close();
});

/** A client that opens a request and sends one more header line every `everyMs`, never the end. */
function slowClient(url: URL, everyMs: number) {
  const socket = net.connect(Number(url.port), url.hostname);
  socket.on('error', () => undefined);
  socket.write(`GET /api/products/1 HTTP/1.1\r\nHost: ${url.host}\r\n`);
  let n = 0;
  const timer = setInterval(() => socket.write(`x-slow-${n++}: ${'a'.repeat(10)}\r\n`), everyMs);
  return () => {
    clearInterval(timer);
    socket.destroy();
  };
}

test(`${SLOW_CLIENTS} slow clients leave ${NORMAL_REQUESTS} normal requests all answered`, async () => {
  const url = new URL(proxy.url);
  const stops = Array.from({ length: SLOW_CLIENTS }, () => slowClient(url, 200));
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const statuses = await Promise.all(
      Array.from({ length: NORMAL_REQUESTS }, async (_, i) => {
        const response = await fetch(`${proxy.url}/api/products/${i + 1}`, {
          signal: AbortSignal.timeout(15_000),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(NORMAL_REQUESTS);
    expect(monolith.seen.filter((r) => r.headers['x-slow-0'] !== undefined)).toHaveLength(0);
  } finally {
    for (const stop of stops) stop();
  }
});
