/**
 * End-to-end lag of forward sync at a steady write rate: BENCH_RATE single-row transactions per
 * second (default 1,000) on the legacy DB for BENCH_SECONDS (default 20), each timed from its
 * COMMIT returning to the moment the row is visible in the service DB (a trigger there NOTIFYs at
 * the sink's commit). The sink runs as `ficus sync` in its own process, fed by a real Debezium
 * connector. Prints p50/p99/max. BENCH_POLL_MS sets Debezium's poll.interval.ms (default: its
 * own default, 500 ms; try 50).
 *
 *   node bench/lag-end-to-end.ts             (with the embedded stack up)
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { sleep, waitFor } from '../lib/wait.ts';
import { createSinkFixture, sql } from '../test-support/sink-e2e-harness.ts';

const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WRITERS = 4;
const say = (m: string) => process.stdout.write(`${m}\n`);

const fx = await createSinkFixture();
const sync = { proc: undefined as ReturnType<typeof spawn> | undefined };
try {
  await sql(
    fx.serviceUrl,
    `
    CREATE FUNCTION bench_visible() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('bench_visible', NEW.id::text); RETURN NEW; END $$;
    CREATE TRIGGER bench_visible AFTER INSERT ON products FOR EACH ROW EXECUTE FUNCTION bench_visible();
    -- the sink applies as a replica (session_replication_role), where ordinary triggers stay quiet
    ALTER TABLE products ENABLE ALWAYS TRIGGER bench_visible;`,
  );
  const poll = process.env.BENCH_POLL_MS;
  await fx.startConnector('forward', poll ? { 'poll.interval.ms': poll } : {});
  const command = fx.syncCommand('forward', 20_000 + Math.floor(Math.random() * 20_000), [
    '--progress-interval',
    '5000',
  ]);
  sync.proc = spawn(process.execPath, command.args, {
    env: command.env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });

  const visible = new Map<number, number>();
  const listener = new pg.Client({ connectionString: fx.serviceUrl });
  listener.on('error', () => undefined); // the database is dropped at the end
  await listener.connect();
  listener.on('notification', (n) => visible.set(Number(n.payload), performance.now()));
  await listener.query('LISTEN bench_visible');

  // warm-up: the pipeline is flowing end to end before the clock starts
  await sql(
    fx.legacyUrl,
    "INSERT INTO products (id, sku, name, price) VALUES (0, 'WARM', 'warm-up', 1)",
  );
  await waitFor('the warm-up row to arrive', async () => visible.has(0), {
    timeoutMs: 120_000,
    intervalMs: 50,
  });

  const total = RATE * SECONDS;
  const committed = new Map<number, number>();
  const writers = await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      const c = new pg.Client({ connectionString: fx.legacyUrl });
      await c.connect();
      return c;
    }),
  );
  say(`writing ${total} rows at ${RATE}/s for ${SECONDS} s, one transaction each…`);
  const t0 = performance.now();
  await Promise.all(
    writers.map(async (client, w) => {
      for (let i = w + 1; i <= total; i += WRITERS) {
        const due = t0 + (i * 1000) / RATE;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        await client.query(
          "INSERT INTO products (id, sku, name, price) VALUES ($1::bigint, 'SKU-' || $1::text, 'Product ' || $1::text, 9.99)",
          [i],
        );
        committed.set(i, performance.now());
      }
    }),
  );
  const achieved = (total * 1000) / (performance.now() - t0);
  await Promise.all(writers.map((c) => c.end()));
  await waitFor(
    'every row to arrive',
    async () => [...committed.keys()].every((id) => visible.has(id)),
    { timeoutMs: 120_000, intervalMs: 100 },
  );
  await listener.end();

  const lags = [...committed].map(([id, at]) => visible.get(id)! - at).sort((a, b) => a - b);
  const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))];
  say('');
  say(
    `end-to-end lag, legacy COMMIT -> visible in the service DB (${lags.length} rows, ${achieved.toFixed(0)} writes/s achieved, Debezium poll.interval.ms ${poll ?? 'default'}):`,
  );
  say(
    `  p50 ${pct(50).toFixed(0)} ms   p90 ${pct(90).toFixed(0)} ms   p99 ${pct(99).toFixed(0)} ms   max ${lags[lags.length - 1].toFixed(0)} ms   (goal: p99 < 1000 ms)`,
  );
} catch (error) {
  process.stderr.write(`lag benchmark failed: ${(error as Error).stack}\n`);
  process.exitCode = 1;
} finally {
  if (sync.proc && sync.proc.exitCode === null) {
    sync.proc.kill('SIGTERM');
    await new Promise((r) => sync.proc!.once('exit', r));
  }
  await fx.dispose();
}
