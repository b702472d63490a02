/**
 * Exactly-once effect across crashes: `ficus sync` runs as a child process and is killed with
 * SIGKILL at random points while ~30k change events stream through, then restarted each time.
 * At the end the service's rows must equal the legacy rows through the mapping (nothing missing,
 * nothing extra, no stale row), and the stored positions must sit exactly at the end of each
 * partition. Then SIGTERM must stop it cleanly with exit code 0.
 */
import { jest } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor, sleep } from '../../lib/wait.ts';
import { createSinkFixture, sql, urls, type SinkFixture } from './sink-e2e-harness.ts';

jest.setTimeout(180_000);

let fx: SinkFixture;
let child: ChildProcess | undefined;
const output: string[] = [];
const metricsPort = 20_000 + Math.floor(Math.random() * 20_000);

let current: string[] = [];

function startSync(): ChildProcess {
  current = [];
  const mine = current;
  const sync = fx.syncCommand('forward', metricsPort, [
    '--progress-interval',
    '500',
    '--session-timeout',
    '6000',
  ]);
  const proc = spawn(process.execPath, sync.args, {
    env: { ...sync.env, FICUS_RETRY_FAST: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (d: Buffer) => {
    output.push(d.toString());
    mine.push(d.toString());
  };
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  return proc;
}

const exited = (proc: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null)
      resolve({ code: proc.exitCode, signal: proc.signalCode });
    else proc.once('exit', (code, signal) => resolve({ code, signal }));
  });

beforeAll(async () => {
  fx = await createSinkFixture();
  await fx.startConnector('forward');
});

afterAll(async () => {
  fs.writeFileSync(path.join(os.tmpdir(), `ficus-sink-crash-${fx?.id}.log`), output.join(''));
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await exited(child);
  }
  await fx?.dispose();
});

test('kill -9 at random points: the target equals the source through the mapping, each event applied once', async () => {
  child = startSync();
  let kills = 0;
  let loading = true;
  const killer = (async () => {
    while (loading || kills < 4) {
      // kill it while it applies: once it holds partitions, at a random moment within ~1 s
      await waitFor(
        'the sink to join its group',
        async () => current.join('').includes('joined the group'),
        { timeoutMs: 60_000, intervalMs: 50 },
      );
      await sleep(200 + Math.random() * 1000);
      child!.kill('SIGKILL');
      await exited(child!);
      kills++;
      child = startSync();
    }
  })();

  // ~30k events: 20k inserts, 8k updates, 2k deletes, in transactions of up to 1,000 rows
  for (let round = 0; round < 20; round++) {
    const base = round * 1000;
    await sql(
      fx.legacyUrl,
      `INSERT INTO products (id, sku, name, price)
      SELECT g, 'SKU-' || g, 'Product ' || g, (g % 10000) / 100.0 FROM generate_series(${base + 1}, ${base + 1000}) g`,
    );
    await sql(
      fx.legacyUrl,
      `UPDATE products SET price = price + 1, name = name || ' v' || ${round} WHERE id % 5 = ${round % 5} AND id > ${base - 2000}`,
    );
    await sql(
      fx.legacyUrl,
      `DELETE FROM products WHERE id % 97 = ${round % 97} AND id <= ${base + 1000}`,
    );
    await sleep(1000); // a ~25 s stream, so that most kills land while events are being applied
  }
  loading = false;
  await killer;
  expect(kills).toBeGreaterThanOrEqual(4);
  await waitFor(
    'the last sink to join its group',
    async () => current.join('').includes('joined the group'),
    { timeoutMs: 60_000, intervalMs: 50 },
  );

  const { expected, actual } = await fx.waitInSync('products', 30_000);
  expect(actual.length).toBe(expected.length);
  expect(new Set(actual.map((r) => r.id)).size).toBe(actual.length);
  expect(actual.length).toBeGreaterThan(15_000);

  // stored positions sit exactly at each partition's end: nothing applied twice or skipped
  const kafka = new Kafka({
    clientId: `crash-${fx.id}`,
    brokers: [urls.kafkaBootstrap],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `${fx.topicPrefix('forward')}.public.products`;
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  await waitFor(
    'stored positions at the end of every partition',
    async () => {
      const { rows } = await sql(
        fx.serviceUrl,
        'SELECT partition, next_offset FROM ficus_sync_offsets WHERE consumer_group = $1 AND topic = $2',
        [fx.group('forward'), topic],
      );
      return ends.every(
        (e) =>
          e.high === '0' ||
          rows.some((r) => r.partition === e.partition && r.next_offset === e.high),
      );
    },
    { timeoutMs: 30_000 },
  );

  // every run but the first started from positions an earlier, killed run had stored
  expect(output.join('').match(/joined the group/g)?.length).toBeGreaterThanOrEqual(5);

  child!.kill('SIGTERM');
  expect(await exited(child!)).toEqual({ code: 0, signal: null });
});
