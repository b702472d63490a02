/**
 * A write cut-over in a process of its own, for e2e tests that kill it (SIGKILL) half way:
 * `node test-support/cutover-child.ts '<json>'` runs `moveWrites` on the test's configuration and,
 * on reaching the step `stopAt`, prints `AT <step>` and waits there for ever, leaving what it did
 * so far in place for the test to kill. The proxies are the fleet in the kit DB, else `adminUrl`.
 */
import { loadConfig } from '../lib/config/index.ts';
import { openKitDb } from '../lib/kit-db.ts';
import { createProgress } from '../lib/progress.ts';
import { loadPlan } from '../plan/load-plan.ts';
import type { Stage } from '../plan/stages.ts';
import { moveWrites } from '../rollout/cutover.ts';
import { proxyFleet } from '../rollout/proxy-fleet-client.ts';
import { configuredUnleashAdmin } from '../rollout/unleash-admin.ts';

type ChildInput = {
  configFile: string;
  service: string;
  to: { stage: Stage; percent: number };
  adminUrl: string;
  adminToken: string;
  holdBoundMs: number;
  stopAt: string;
};

const input = JSON.parse(process.argv[2]) as ChildInput;
const config = loadConfig({ file: input.configFile });
const kitDb = openKitDb(config.kit.database.url, 2);

/** Stops the cut-over at `stopAt` for good: the process lives on until the test kills it. */
async function stopHere(step: string): Promise<void> {
  if (step !== input.stopAt) return;
  process.stdout.write(`AT ${step}\n`);
  setInterval(() => undefined, 60_000);
  await new Promise<never>(() => undefined);
}

await moveWrites(
  {
    service: input.service,
    to: input.to,
    actor: 'test-child',
    why: `killed at "${input.stopAt}"`,
    force: true,
    holdBoundMs: input.holdBoundMs,
  },
  {
    plan: loadPlan(config.planFile),
    unleash: configuredUnleashAdmin(config),
    kitDb,
    proxies: proxyFleet({ kitDb, token: input.adminToken, fallbackUrl: input.adminUrl }),
    progress: createProgress(),
    config,
    beforeStep: stopHere,
  },
);
await kitDb.destroy();
