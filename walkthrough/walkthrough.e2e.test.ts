/**
 * The whole walkthrough as one end-to-end test, then the write cut-over under concurrent writes:
 * catalog is rolled back from `live` to canary and cut over again while writers create products
 * through the proxy. Every write that got a 201 must be in both databases exactly once, none may
 * fail, and parity must be clean. Runs the demo on the shared embedded stack (it resets the demo's
 * own databases, connectors and topics; other suites use databases of their own).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPlan } from '../plan/load-plan.ts';
import { openKitDb } from '../lib/kit-db.ts';
import { createProgress } from '../lib/progress.ts';
import { sleep, waitFor } from '../lib/wait.ts';
import { moveWrites } from '../rollout/cutover.ts';
import { configuredProxyFleet } from '../rollout/proxy-fleet-client.ts';
import { stackConfig, stackUnleashAdmin, stackUrls } from '../test-support/stack-access.ts';
import { legacySql, matchRate, serviceSql } from './demo-probes.ts';
import { PACES } from './pace.ts';
import { runFicus } from './run-ficus.ts';
import { startTraffic } from './traffic.ts';
import { runWalkthrough } from './walkthrough.ts';

const config = stackConfig();
const urls = stackUrls();
const proxyUrl = `http://127.0.0.1:${config.ports.proxy}`;
const reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-walkthrough-'));

test(
  'the walkthrough runs from nothing to catalog and orders at complete, every check holding',
  async () => {
    expect(await runWalkthrough({ pace: PACES.fast, reportsDir })).toBe(true);
    for (const file of ['report.html', 'report.md', 'report.json'])
      expect(fs.statSync(path.join(reportsDir, file)).size).toBeGreaterThan(500);
    const report = JSON.parse(fs.readFileSync(path.join(reportsDir, 'report.json'), 'utf8'));
    expect(
      report.routes.find((r: { route: string }) => r.route === 'GET /api/products/:id').compared,
    ).toBeGreaterThan(50);
  },
  15 * 60_000,
);

/** Writers creating products with unique SKUs through the proxy, counting every answer. */
function startWriters(run: string, perSecond: number) {
  const answers: Record<string, number> = {};
  const created: string[] = [];
  let n = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const sku = `CUT-${run}-${n++}`;
      void fetch(`${proxyUrl}/api/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': `writer-${n % 50}` },
        body: JSON.stringify({
          sku,
          name: `Cut-over probe ${n}`,
          description: 'written during a cut-over',
          price: 10 + (n % 90),
        }),
        signal: AbortSignal.timeout(30_000),
      }).then(
        (r) => {
          answers[r.status] = (answers[r.status] ?? 0) + 1;
          if (r.status === 201) created.push(sku);
        },
        () => (answers.error = (answers.error ?? 0) + 1),
      );
      await sleep(1000 / perSecond);
    }
  })();
  const stop = async () => {
    running = false;
    await loop;
    await sleep(3000); // the last answers
    return { answers, created, sent: n };
  };
  return { stop, pause: stop };
}

test(
  'rollback from live and a new cut-over under concurrent writes lose no write and apply none twice',
  async () => {
    const plan = loadPlan();
    const kitDb = openKitDb(urls.servicesAdmin('ficus'), 2);
    const unleash = stackUnleashAdmin();
    const deps = {
      plan,
      unleash,
      kitDb,
      proxies: configuredProxyFleet(kitDb),
      progress: createProgress(),
    };
    const run = Date.now().toString(36);
    const products = (
      await legacySql<{ id: number }>('SELECT id FROM products ORDER BY id LIMIT 300')
    ).map((r) => Number(r.id));
    const traffic = startTraffic({
      baseUrl: proxyUrl,
      productIds: products,
      customerIds: [1, 2, 3, 4, 5],
      ratePerSecond: 25,
    });
    const writers = [startWriters(run, 15)];
    try {
      await runFicus(['stage', 'catalog', 'live', '--why', 'test: back to live'], { quiet: true });
      expect((await unleash.readStage('catalog')).stage).toBe('live');
      await sleep(3000);
      const rollback = await moveWrites(
        {
          service: 'catalog',
          to: { stage: 'canary', percent: 50 },
          actor: 'test',
          why: 'test: rollback from live (writes under way)',
        },
        deps,
      );
      expect(rollback.direction).toBe('forward');
      await sleep(3000);
      // Gather the evidence for the cut-over without the writers: 15 new products a second keep a
      // list's `total` one sync-lag ahead on the monolith, and the gates would rightly refuse.
      await writers[0].pause();
      await runFicus(
        ['stage', 'catalog', 'canary', '--percent', '50', '--why', 'test: evidence afresh'],
        { quiet: true },
      );
      const since = new Date();
      await waitFor(
        'evidence at canary 50',
        async () => (await matchRate('catalog', since)).compared >= 80,
        { timeoutMs: 90_000, intervalMs: 1000 },
      );
      writers.push(startWriters(`${run}b`, 15));
      await sleep(2000);
      // Forced: the writers' own inserts keep list totals one sync-lag apart, which the match-rate
      // gate rightly counts; the gates have tests of their own, this one is about the writes.
      const cutover = await moveWrites(
        {
          service: 'catalog',
          to: { stage: 'live', percent: 0 },
          actor: 'test',
          why: 'test: cut-over under writes',
          force: true,
        },
        deps,
      );
      expect(cutover.direction).toBe('reverse');
      await sleep(3000);
      const results = [await writers[0].stop(), await writers[1].stop()];

      for (const [i, { answers, created, sent }] of results.entries()) {
        // Every write was answered and none failed: held writes waited instead of failing.
        expect(answers.error ?? 0).toBe(0);
        expect(Object.keys(answers).filter((status) => status !== '201')).toEqual([]);
        expect(created.length).toBe(sent);
        // Each created product exists exactly once on both sides, once the reverse sync has caught up.
        const prefix = `CUT-${i === 0 ? run : `${run}b`}-%`;
        const count = async (rows: Promise<{ n: number }[]>) => Number((await rows)[0].n);
        await waitFor(
          'the reverse sync to catch up',
          async () =>
            (await count(
              legacySql('SELECT count(*) AS n FROM products WHERE sku LIKE $1', [prefix]),
            )) === created.length,
          { timeoutMs: 30_000 },
        );
        expect(
          await count(
            legacySql('SELECT count(DISTINCT sku) AS n FROM products WHERE sku LIKE $1', [prefix]),
          ),
        ).toBe(created.length);
        expect(
          await count(
            serviceSql('catalog', 'SELECT count(*) AS n FROM products WHERE sku LIKE $1', [prefix]),
          ),
        ).toBe(created.length);
      }
      // And the two databases agree row for row.
      const verify = await runFicus(['verify', 'catalog', '--json'], { quiet: true });
      expect(JSON.parse(verify.stdout)).toMatchObject({ service: 'catalog', clean: true });
    } finally {
      for (const w of writers) await w.stop();
      await traffic.stop();
      await kitDb.destroy();
    }
    expect(traffic.stats().failures).toEqual([]);
  },
  10 * 60_000,
);
