/**
 * A world for write cut-over e2e suites, the test being the user's supervisor: databases of its
 * own (a kit DB too, createSinkFixture), the forward connector, `ficus sync` workers of both
 * directions as child processes, a real proxy in front of two small upstreams that insert into the
 * legacy and the service DB, the service at `canary 50%`, and the cut-over's dependencies. Beside
 * it: writers through the proxy, the cut-over in a child process stopped at a named step (to kill
 * it), and the leftovers a cut-over can leave (the reverse connector and its slot).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import YAML from 'yaml';
import knex, { type Knex } from 'knex';
import {
  applyConfiguredConnector,
  configuredConnectClient,
  configuredConnectorSpec,
} from '../cdc/connect/configured-connectors.ts';
import { syncFleetStore } from '../cdc/fleet/sync-fleet-store.ts';
import { loadConfig, type FicusConfig } from '../lib/config/index.ts';
import { PACKAGE_ROOT } from '../lib/package-paths.ts';
import { createProgress } from '../lib/progress.ts';
import { sleep, waitFor } from '../lib/wait.ts';
import type { Direction } from '../plan/mapping.ts';
import type { Plan } from '../plan/plan-types.ts';
import type { CutoverDeps } from '../rollout/cutover.ts';
import { proxyAdmin } from '../rollout/proxy-admin.ts';
import { proxyFleet } from '../rollout/proxy-fleet-client.ts';
import { changeStage } from '../rollout/stage-change.ts';
import { productHandler, startProxy, startUpstream, testPlan } from './proxy-e2e-harness.ts';
import { expectNoChildPgOverlap } from './pg-overlap-guard.ts';
import { createSinkFixture, sql } from './sink-e2e-harness.ts';
import { stackUnleashAdmin } from './stack-access.ts';
import { superviseSyncWorker, type SupervisedWorker } from './sync-supervisor.ts';

export const PRODUCTS = { schema: 'public', table: 'products' };
export const ADMIN_TOKEN = 'test-admin-token';

export type WriteAnswer = {
  sku: string;
  status: number;
  backend: string | null;
  /** the 503s (with Retry-After) it got before its answer */
  refusals: number;
};

/** An upstream that inserts each POSTed product into its own database, as the real sides do. */
async function writingUpstream(pools: pg.Pool[], side: string, url: string, insert: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pools.push(pool);
  const reads = productHandler(side);
  return startUpstream((req, res, body) => {
    if (req.method !== 'POST') return reads(req, res, body);
    const { id, sku, price } = JSON.parse(body) as { id: number; sku: string; price: number };
    pool.query(insert, [id, sku, `Product ${sku}`, price]).then(
      () => res.writeHead(201, { 'content-type': 'application/json' }).end(body),
      (error: Error) => res.writeHead(500).end(error.message),
    );
  });
}

/** The configuration file with the service's upstream, as the proxy reads it, and `cutover`. */
function derivedConfig(
  configFile: string,
  service: string,
  upstream: string,
  cutover?: Record<string, string>,
): string {
  const document = YAML.parse(fs.readFileSync(configFile, 'utf8'));
  document.services[service].upstream = upstream;
  if (cutover) document.cutover = cutover;
  const file = configFile.replace(/\.yaml$/, '.cutover.yaml');
  fs.writeFileSync(file, YAML.stringify(document));
  return file;
}

export async function createCutoverWorld(options: { cutover?: Record<string, string> } = {}) {
  const fx = await createSinkFixture();
  const { service, kit } = fx;
  const unleash = stackUnleashAdmin();
  const pools: pg.Pool[] = [];
  const legacyKnex: Knex = knex({
    client: 'pg',
    connection: fx.legacyUrl,
    pool: { min: 0, max: 2 },
  });
  const fixtureConfig = loadConfig({ file: fx.configPath });
  await sql(
    fx.legacyUrl,
    "INSERT INTO products (id, sku, name, price) VALUES (1, 'SKU-1', 'Chair', 12.50), (2, 'SKU-2', 'Desk', 99)",
  );
  await applyConfiguredConnector(fx.plan, fx.plan.services[0], 'forward', {
    config: fixtureConfig,
  });
  const monolith = await writingUpstream(
    pools,
    'monolith',
    fx.legacyUrl,
    'INSERT INTO products (id, sku, name, price) VALUES ($1, $2, $3, $4)',
  );
  const serviceSide = await writingUpstream(
    pools,
    service,
    fx.serviceUrl,
    // as catalog does: the derived column is the service's own (the forward sink computes it too)
    `INSERT INTO products (id, sku, title, price_cents, search_text)
     VALUES ($1, $2, $3, ($4 * 100)::int, lower($3 || ' ' || $2))`,
  );
  const configFile = derivedConfig(fx.configPath, service, serviceSide.url, options.cutover);
  const config: FicusConfig = loadConfig({ file: configFile });
  const workers: Record<Direction, SupervisedWorker> = {
    forward: await superviseSyncWorker(service, 'forward', configFile),
    reverse: await superviseSyncWorker(service, 'reverse', configFile),
  };
  const fleet = () => syncFleetStore(kit.knex);
  const reportOf = async (direction: Direction) =>
    (await fleet().workers(service)).workers.find((w) => w.direction === direction);
  const waitForState = (direction: Direction, state: 'running' | 'standby') =>
    waitFor(
      `the ${direction} worker to report ${state}`,
      async () => {
        const report = await reportOf(direction);
        return report?.state === state && report;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${workers[direction].output().slice(-3000)}`);
    });
  await waitForState('forward', 'running');
  await waitForState('reverse', 'standby');
  await fx.waitInSync('products');

  const routes = testPlan(service).services[0];
  const proxyPlan: Plan = {
    ...fx.plan,
    services: [{ ...fx.plan.services[0], routes: routes.routes, compare: routes.compare }],
  };
  const proxy = await startProxy(
    proxyPlan,
    { monolith: monolith.url, service: serviceSide.url },
    { FICUS_CONFIG: configFile },
    { kitDb: null },
  );
  const stageDeps = { services: [service], unleash, kitDb: kit.knex };
  await changeStage({ service, stage: 'shadow', actor: 'test', force: true }, stageDeps);
  await changeStage(
    { service, stage: 'canary', percent: 50, actor: 'test', force: true },
    stageDeps,
  );
  const deps: CutoverDeps = {
    plan: fx.plan,
    unleash,
    kitDb: kit.knex,
    // the proxy runs without a kit DB, so the fleet is the configured admin URL (the fallback)
    proxies: proxyFleet({ kitDb: kit.knex, token: ADMIN_TOKEN, fallbackUrl: proxy.adminUrl }),
    progress: createProgress(),
    config,
  };
  await waitFor(
    'the proxy to route at canary',
    async () =>
      (await proxyAdmin({ url: proxy.adminUrl, token: ADMIN_TOKEN }).routes(service)).every(
        (r) => r.stage === 'canary',
      ),
    { timeoutMs: 15_000, intervalMs: 100 },
  );

  let nextId = 1000;
  const reverseSpec = () =>
    configuredConnectorSpec(fx.plan, fx.plan.services[0], 'reverse', config);

  const dropConnectors = () => dropSuiteConnectors(config, fx.plan, fx);

  return {
    fx,
    service,
    kit,
    config,
    configFile,
    unleash,
    legacyKnex,
    workers,
    proxy,
    deps,
    fleet,
    reportOf,
    waitForState,
    newId: () => nextId++,

    /**
     * Writers through the proxy, one product every `everyMs`; a write refused with 503 is sent
     * again after its Retry-After, as a client would. Stopping waits for every write's answer.
     */
    startWriting(everyMs = 100, retryOn503 = false) {
      const answers: WriteAnswer[] = [];
      const pending: Promise<void>[] = [];
      let running = true;
      const send = async (id: number, sku: string) => {
        let refusals = 0;
        for (;;) {
          const answer = await fetch(`${proxy.url}/api/products`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-user-id': `writer-${id % 7}` },
            body: JSON.stringify({ id, sku, price: 10 + (id % 50) }),
            signal: AbortSignal.timeout(30_000),
          }).catch(() => null);
          const status = answer?.status ?? 0;
          if (retryOn503 && status === 503 && refusals < 20) {
            refusals += 1;
            await sleep(Number(answer!.headers.get('retry-after') ?? 1) * 1000);
            continue;
          }
          answers.push({
            sku,
            status,
            backend: answer?.headers.get('x-ficus-backend') ?? null,
            refusals,
          });
          return;
        }
      };
      const loop = (async () => {
        while (running) {
          const id = nextId++;
          pending.push(send(id, `CUT-${id}`));
          await sleep(everyMs);
        }
      })();
      return async () => {
        running = false;
        await loop;
        await Promise.all(pending);
        return answers;
      };
    },

    /** A write straight into the legacy table, as a corner of the monolith would. */
    legacyWrite() {
      const id = nextId++;
      return sql(
        fx.legacyUrl,
        'INSERT INTO products (id, sku, name, price) VALUES ($1, $2, $3, 1)',
        [id, `MONO-${id}`, `monolith ${id}`],
      );
    },

    /** The reverse connector and its slot, as Connect and the service DB have them. */
    async reverseLeftovers() {
      const spec = reverseSpec();
      const connector = await configuredConnectClient(config).findStatus(spec.name);
      const slots = await sql(
        fx.serviceUrl,
        'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1',
        [spec.slot],
      );
      return { connector: connector !== undefined, slot: slots.rows.length > 0 };
    },

    /** The service's latest cut-over as its journal has it. */
    latestJournal: async () =>
      kit.knex('cutover_journal').where({ service }).orderBy('id', 'desc').first(),

    /**
     * Runs the cut-over to `to` in a child process stopped at `stopAt`; resolves once it is there,
     * with the process for the test to kill.
     */
    async cutoverStoppedAt(
      stopAt: string,
      to: { stage: 'live' | 'canary'; percent: number },
      holdBoundMs: number,
    ): Promise<ChildProcess> {
      const input = {
        configFile,
        service,
        to,
        adminUrl: proxy.adminUrl,
        adminToken: ADMIN_TOKEN,
        holdBoundMs,
        stopAt,
      };
      const child = spawn(
        process.execPath,
        [path.join(PACKAGE_ROOT, 'test-support', 'cutover-child.ts'), JSON.stringify(input)],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<string>((resolve) =>
        child.once('exit', (code) => resolve(`the child exited (${code}) before "${stopAt}"`)),
      );
      await waitFor(
        `the cut-over child at "${stopAt}"`,
        async () => {
          if (output.includes(`AT ${stopAt}`)) return true;
          if (child.exitCode !== null) throw new Error(await exited);
          return false;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      ).catch((error: Error) => {
        child.kill('SIGKILL');
        throw new Error(`${error.message}\n${output}`);
      });
      return child;
    },

    async dispose() {
      await proxy?.close();
      await Promise.all([monolith?.close(), serviceSide?.close()]);
      await Promise.all(Object.values(workers).map((w) => w.stop()));
      await Promise.all(pools.map((p) => p.end()));
      await legacyKnex.destroy();
      await dropConnectors();
      await unleash.deleteFlag(service).catch(() => undefined);
      await fx.dispose();
      expectNoChildPgOverlap(
        Object.values(workers).map((w) => ({ ...w, name: `the ${w.direction} sync worker` })),
      );
    },
  };
}

/**
 * The connectors a cut-over suite and its cut-overs applied for the plan's one service, and their
 * slots once released (or the suite's databases cannot be dropped).
 */
export async function dropSuiteConnectors(
  config: FicusConfig,
  plan: Plan,
  dbs: { legacyUrl: string; serviceUrl: string },
): Promise<void> {
  const connect = configuredConnectClient(config);
  for (const direction of ['forward', 'reverse'] as Direction[]) {
    const spec = configuredConnectorSpec(plan, plan.services[0], direction, config);
    if (await connect.findStatus(spec.name)) await connect.delete(spec.name);
    const url = direction === 'forward' ? dbs.legacyUrl : dbs.serviceUrl;
    await waitFor(
      `slot ${spec.slot} released`,
      async () =>
        (
          await sql(url, 'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [
            spec.slot,
          ])
        ).rows.length === 0,
      { timeoutMs: 30_000 },
    ).catch(() => undefined);
    await sql(
      url,
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
      [spec.slot],
    ).catch(() => undefined);
  }
}

export type CutoverWorld = Awaited<ReturnType<typeof createCutoverWorld>>;
