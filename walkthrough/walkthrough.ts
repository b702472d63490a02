/**
 * `ficus walkthrough`: the guided migration of the demo shop, from nothing to two extracted
 * services at `complete`, with realistic traffic through the proxy the whole time. Each step
 * says what it does and why, runs the same `ficus` commands a person would, and checks what it
 * claims. See docs/walkthrough.md for the same story in prose.
 */
import { loadPlan } from '../plan/load-plan.ts';
import { createProgress } from '../lib/progress.ts';
import { ensureApp, monolithApp, proxyApp, serviceApp } from '../stack/apps.ts';
import { loadStackConfig } from '../stack/stack-config.ts';
import { sleep, waitFor } from '../lib/wait.ts';
import { http, kitSql, legacySql, matchRate, serviceSql } from './demo-probes.ts';
import { createNarrator } from './narrator.ts';
import { rolloutPacing, type Pace } from './pace.ts';
import { resetDemo } from './reset-demo.ts';
import { runFicus } from './run-ficus.ts';
import { startTraffic } from './traffic.ts';
import { extractService } from './extract-service.ts';
import { ficus, type Context } from './context.ts';
import { configuredProxyAdmin } from '../rollout/proxy-admin.ts';

export type WalkthroughOptions = { pace: Pace; pause?: () => Promise<void>; reportsDir: string };

async function foundation(ctx: Context): Promise<void> {
  const { n, pace } = ctx;
  const config = loadStackConfig();
  await n.step(
    'The monolith and its shared database',
    'Start the embedded stack (two PostgreSQL clusters, Kafka, Kafka Connect with Debezium, Unleash), reset the demo to nothing, create and seed the shop, and put the ficus proxy in front of the monolith. At `legacy` the proxy only passes traffic through; from now on every request of the demo goes through it.',
  );
  await ficus(ctx, ['stack', 'up']);
  n.say(
    'Resetting the demo (databases, connectors, topics, flags of catalog and orders) so the walkthrough starts from nothing.',
  );
  await resetDemo(ctx.plan, createProgress());
  await ficus(ctx, ['migrate', 'legacy']);
  await ficus(ctx, ['migrate', 'kit']);
  await ficus(ctx, ['seed', '--scale', String(pace.seedScale)]);
  // The walkthrough starts the proxy without the lag-aware compare rule, to show why it exists.
  process.env.FICUS_PROXY_MIRROR_RECHECK_MS = '0';
  for (const app of [monolithApp(config), proxyApp(config)])
    await ensureApp(config, app, createProgress());
  const [{ products }] = await legacySql<{ products: number }>(
    'SELECT count(*)::int AS products FROM products',
  );
  const [{ customers }] = await legacySql<{ customers: number }>(
    'SELECT count(*)::int AS customers FROM customers',
  );
  ctx.traffic = startTraffic({
    baseUrl: ctx.proxyUrl,
    productIds: Array.from({ length: Math.min(products, 500) }, (_, i) => i + 1),
    customerIds: Array.from({ length: Math.min(customers, 300) }, (_, i) => i + 1),
    ratePerSecond: pace.trafficPerSecond,
  });
  n.say(
    `Traffic started: ${pace.trafficPerSecond} requests/s from 200 users browsing, ordering and (as admins) editing prices, all through the proxy at ${ctx.proxyUrl}.`,
  );
  await sleep(4000);
  const stats = ctx.traffic.stats();
  n.check(
    'the proxy passes everything to the monolith at legacy',
    (stats.byBackend.monolith ?? 0) > 0 &&
      Object.keys(stats.byBackend).every((b) => b === 'monolith'),
    JSON.stringify(stats.byBackend),
  );
}

async function shadowAndCompareRules(ctx: Context): Promise<void> {
  const { n, pace } = ctx;
  await n.step(
    'shadow: both sides answer, the proxy compares',
    'At `shadow` the monolith still answers every client, and the proxy sends each read to catalog too and compares the two answers field by field. The client never waits for catalog. Comparisons are recorded in the kit database; the gates read them.',
  );
  await ficus(ctx, ['stage', 'catalog', 'shadow', '--why', 'walkthrough: parallel run']);
  const since = new Date();
  await sleep(pace.shadowSeconds * 1000);
  const first = await matchRate('catalog', since);
  n.say(
    `${first.compared} reads compared in ${pace.shadowSeconds} s; ${first.compared - first.matched} differed.`,
  );
  const mismatches = await configuredProxyAdmin().mismatches(3);
  for (const m of mismatches) {
    const d = m.differences
      .slice(0, 2)
      .map(
        (x) =>
          `${x.path}: monolith ${JSON.stringify(x.legacy)} / catalog ${JSON.stringify(x.service)}`,
      );
    n.say(`  ${m.route}  ${d.join('; ')}`);
  }
  n.say(
    mismatches.length
      ? 'These are reads of products an admin had just repriced: the monolith already has the new price, catalog gets it a moment later through the sync. That is lag, not a defect. The compare rule for it: ask a differing read again after 1.5 s and record a mismatch only if it persists.'
      : 'No difference this time; lag can still make a read of a just-repriced product differ for a moment. The compare rule for it: ask a differing read again after 1.5 s and record a mismatch only if it persists.',
  );
  await configuredProxyAdmin().setRecheck(1500);
  await ficus(ctx, [
    'stage',
    'catalog',
    'shadow',
    '--why',
    'compare rule: recheck differing reads after 1.5 s (sync lag)',
  ]);
  const after = new Date();
  await sleep(pace.shadowSeconds * 1000);
  const second = await matchRate('catalog', after);
  n.check(
    'with the rule, catalog matches the monolith on at least 99% of reads',
    second.rate !== null && second.rate >= 0.99,
    `${second.matched}/${second.compared} matched`,
  );
}

/**
 * The monolith's team ships a migration during the parallel run: a column ficus does not map.
 * Logical decoding carries no DDL; ficus sees it in the schema of the next change event.
 */
async function schemaChangeDuringShadow(ctx: Context): Promise<void> {
  const { n } = ctx;
  await n.step(
    "the monolith's team adds a column",
    "A migration runs for weeks, and the monolith's team keeps shipping. Theirs adds `products.colour`. The database tells no one (logical decoding carries no DDL), but every change event carries its table's schema: the catalog sync sees the new column in the next event of `products`, records it once in the kit database, and, since the plan does not map it, syncs on. Had they dropped, renamed or retyped a mapped column, only that table's sync would pause at that event and a gate named after it would block every stage advance until the plan and catalog's schema are changed (docs/operations.md). To carry the new column later: map it in the plan and add it in catalog's migration; the running workers pick it up and back-fill the rows synced before themselves (the repair `ficus verify catalog --repair` runs).",
  );
  await legacySql('ALTER TABLE products ADD COLUMN IF NOT EXISTS colour text');
  await legacySql(`UPDATE products SET colour = 'teal', updated_at = now() WHERE id = 1`);
  const description = 'products.colour added (not mapped)';
  const recorded = await waitFor(
    'the new column recorded',
    async () =>
      (
        await kitSql<{ breaking: boolean }>(
          `SELECT breaking FROM schema_changes WHERE service = 'catalog' AND description = $1`,
          [description],
        )
      )[0],
    { timeoutMs: 60_000 },
  ).catch(() => undefined);
  await ficus(ctx, ['schema-changes']);
  n.check(
    'ficus records the column the monolith added, as not mapped (no gate)',
    recorded?.breaking === false,
    recorded ? description : 'not recorded within 60 s',
  );
  const name = `Teal Chair ${Date.now()}`;
  await legacySql('UPDATE products SET name = $1, updated_at = now() WHERE id = 1', [name]);
  const synced = await waitFor(
    'a change made after the new column reaching catalog',
    async () =>
      (await serviceSql<{ title: string }>('catalog', 'SELECT title FROM products WHERE id = 1'))[0]
        ?.title === name,
    { timeoutMs: 60_000 },
  ).catch(() => false);
  n.check(
    'the sync goes on: a product renamed after the change reaches catalog',
    synced === true,
    synced ? `products #1 is "${name}" in catalog` : 'not in catalog within 60 s',
  );
}

async function rolloutWithDrill(ctx: Context): Promise<void> {
  const { n, pace } = ctx;
  const config = loadStackConfig();
  const catalogUrl = serviceApp(config, ctx.plan, 'catalog').url;
  const rolloutArgs = [
    'rollout',
    'catalog',
    '--steps',
    pace.catalogSteps,
    ...rolloutPacing(pace, 'catalog'),
  ];
  await n.step(
    'a gated canary rollout, and a drill',
    `The rollout raises the share of users catalog serves (sticky per user) step by step, and only while the gates hold. Mid-rollout a defect is switched on in catalog (prices one cent high): the gates must catch it and the rollout must roll back by itself. Then the defect is switched off and the rollout resumes.`,
  );
  const firstStep = Number(pace.catalogSteps.split(',')[0]);
  const secondStep = Number(pace.catalogSteps.split(',')[1]);
  let rolloutOver = false;
  const drill = (async () => {
    // waitFor retries through errors, so an ended rollout is an answer, not a throw.
    const reached = await waitFor(
      `catalog at canary ${secondStep}%`,
      async () => {
        if (rolloutOver) return 'rollout over';
        const routes = await configuredProxyAdmin().routes('catalog');
        return routes.some((r) => r.stage === 'canary' && r.percent === secondStep) && 'reached';
      },
      { timeoutMs: 300_000, intervalMs: 500 },
    );
    if (reached !== 'reached') throw new Error('the rollout ended before it reached the drill');
    n.say(`>>> drill: switching the price defect ON in catalog at canary ${secondStep}%`);
    await http('POST', `${catalogUrl}/__ficus/defect`, { enabled: true });
  })();
  await ficus(ctx, rolloutArgs, 1);
  rolloutOver = true;
  const drilled = await drill.then(
    () => true,
    (e: Error) => n.check('the drill ran', false, e.message),
  );
  if (!drilled) throw new Error('the rollout did not reach the drill');
  // Reads made while the defect was on may still be judged (a differing read is asked again 1.5 s
  // later) and stored after the resume: the gates window on when a read was made, so they do not
  // count against the resumed step, and it can resume at once.
  await http('POST', `${catalogUrl}/__ficus/defect`, { enabled: false });
  const [last] = await serviceSqlKit<{ to_stage: string; to_percent: number; reason: string }>(
    `SELECT to_stage, to_percent, reason FROM stage_history WHERE service = 'catalog' ORDER BY id DESC LIMIT 1`,
  );
  n.check(
    'the gates caught the defect and the rollout rolled back by itself',
    (last.to_stage === 'canary' && last.to_percent === firstStep) || last.to_stage === 'shadow',
    `now ${last.to_stage} ${last.to_percent}%: ${last.reason}`,
  );
  n.say(
    '>>> drill over: the defect is switched off (the fix is deployed); the rollout resumes from its last good step.',
  );
  await ficus(ctx, ['rollout', 'catalog', '--resume', ...rolloutPacing(pace, 'catalog')]);
  await ficus(ctx, ['status']);
}

const serviceSqlKit = <T extends import('pg').QueryResultRow>(text: string) =>
  serviceSql<T>('ficus', text);

async function cutOverCatalog(ctx: Context): Promise<void> {
  const { n } = ctx;
  await n.step(
    'the write cut-over: catalog owns its data',
    "canary -> live moves the writes: the proxy holds catalog's writes (bounded), the forward sync drains, the reverse sync starts, the legacy products table is fenced, the flag flips, and the held writes go to catalog. Afterwards what is left of the monolith still reads current product data, through the reverse sync.",
  );
  await ficus(ctx, ['stage', 'catalog', 'live', '--why', 'walkthrough: write cut-over']);
  const edited = await http(
    'PUT',
    `${ctx.proxyUrl}/api/products/3`,
    { price: 42.42 },
    { 'x-user-id': 'admin-1' },
  );
  n.check(
    'a product edit now goes to catalog',
    edited.status === 200 && edited.backend === 'catalog',
    `${edited.status} from ${edited.backend}`,
  );
  const seen = await waitFor(
    'the monolith to see the new price',
    async () => {
      const r = await http('GET', `${ctx.monolithUrl}/api/products/3`);
      return r.json?.price === 42.42 ? r : false;
    },
    { timeoutMs: 15_000 },
  ).catch(() => undefined);
  n.check(
    "the monolith's own code reads the price catalog wrote",
    seen !== undefined,
    'GET /api/products/3 on the monolith itself says 42.42',
  );
  const refused = await legacySql(`UPDATE products SET price = 1 WHERE id = 3`).then(
    () => 'accepted',
    (e: Error) => e.message,
  );
  n.check(
    'a forgotten legacy writer is refused, naming the owner',
    refused.includes('owned by service "catalog"'),
    refused,
  );
  await ficus(ctx, ['stage', 'catalog', 'complete', '--why', 'walkthrough: catalog is done']);
}

async function ordersReadModel(ctx: Context): Promise<void> {
  const { n } = ctx;
  const placed = await http(
    'POST',
    `${ctx.proxyUrl}/api/orders`,
    { customerId: 7, items: [{ productId: 11, quantity: 1 }] },
    { 'x-user-id': 'user-7' },
  );
  n.check(
    'an order placed now is taken by the orders service',
    placed.status === 201 && placed.backend === 'orders',
    `${placed.status} from ${placed.backend}`,
  );
  if (placed.status !== 201) return;
  const view = await http('GET', `${ctx.proxyUrl}/api/orders/${placed.json.id}`, undefined, {
    'x-user-id': 'user-7',
  });
  const [customer] = await legacySql<{ name: string }>('SELECT name FROM customers WHERE id = 7');
  n.check(
    "its customer's name comes from the orders read model (events, not joins)",
    view.json?.customerName === customer.name,
    `${view.json?.customerName}`,
  );
  const legacyView = await waitFor(
    'the monolith to see the order',
    async () => {
      const r = await http('GET', `${ctx.monolithUrl}/api/orders/${placed.json.id}`);
      return r.status === 200 ? r : false;
    },
    { timeoutMs: 15_000 },
  ).catch(() => undefined);
  n.check(
    'the monolith still sees orders placed in the service (reverse sync)',
    legacyView !== undefined,
  );
}

async function reports(ctx: Context, dir: string): Promise<void> {
  const { n } = ctx;
  await n.step(
    'the reports',
    'What the parallel run saw, per route: compared, match rate, the fields that differed, latency of each side, errors, over time; plus data parity and sync lag.',
  );
  const stats = await ctx.traffic!.stop();
  n.say(
    `Traffic stopped: ${stats.sent} requests sent, by backend ${JSON.stringify(stats.byBackend)}, by status ${JSON.stringify(stats.byStatus)}.`,
  );
  n.check(
    'no request failed during the whole migration',
    stats.failures.length === 0,
    stats.failures.length
      ? JSON.stringify(stats.failures.slice(0, 3))
      : `${stats.sent} requests, none failed`,
  );
  await sleep(2000); // the reverse syncs apply the last writes
  for (const service of ctx.plan.services) {
    const verified = await ficus(ctx, ['verify', service.name]);
    n.check(
      `no row lost: ${service.name} and the legacy tables still agree`,
      /clean/.test(verified),
    );
  }
  await ficus(ctx, ['report', '--out', dir]);
  const status = JSON.parse(
    await runFicus(['status', '--json'], { quiet: true }).then((r) => r.stdout),
  ) as { services: { name: string; stage: string }[] };
  n.check(
    'both services are complete',
    status.services.every((s) => s.stage === 'complete'),
    status.services.map((s) => `${s.name} ${s.stage}`).join(', '),
  );
}

export async function runWalkthrough(options: WalkthroughOptions): Promise<boolean> {
  const config = loadStackConfig();
  const n = createNarrator({ pause: options.pause });
  const ctx: Context = {
    plan: loadPlan(),
    pace: options.pace,
    n,
    proxyUrl: `http://127.0.0.1:${config.ports.proxy}`,
    monolithUrl: `http://127.0.0.1:${config.ports.monolith}`,
  };
  const started = Date.now();
  try {
    await foundation(ctx);
    await extractService(ctx, 'catalog', () => undefined);
    await shadowAndCompareRules(ctx);
    await schemaChangeDuringShadow(ctx);
    await rolloutWithDrill(ctx);
    await cutOverCatalog(ctx);
    await extractService(ctx, 'orders', async () => {
      await ficus(ctx, ['stage', 'orders', 'shadow', '--why', 'walkthrough: parallel run']);
      await sleep(ctx.pace.shadowSeconds * 1000);
      await ficus(ctx, [
        'rollout',
        'orders',
        '--steps',
        ctx.pace.ordersSteps,
        ...rolloutPacing(ctx.pace, 'orders'),
      ]);
      await ficus(ctx, ['stage', 'orders', 'live', '--why', 'walkthrough: write cut-over']);
      await ordersReadModel(ctx);
      await ficus(ctx, ['stage', 'orders', 'complete', '--why', 'walkthrough: orders is done']);
    });
    await reports(ctx, options.reportsDir);
  } catch (error) {
    n.check('the walkthrough ran to the end', false, (error as Error).message);
    await ctx.traffic?.stop();
  }
  const failed = n.checks().filter((c) => !c.ok);
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  process.stdout.write(
    `\n━━ ${n.checks().length - failed.length} of ${n.checks().length} checks held, in ${minutes} min.\n`,
  );
  for (const c of failed) process.stdout.write(`  ✗ ${c.step}: ${c.name} — ${c.detail}\n`);
  if (!failed.length)
    process.stdout.write(
      `  Reports: ${options.reportsDir}/report.html, report.md, report.json\n  Next: ficus status, ficus report, docs/walkthrough.md\n`,
    );
  return failed.length === 0;
}
