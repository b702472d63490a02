/**
 * `ficus stage <service> <stage> [--percent N] [--why "..."] [--force] [--json] [--hold-bound ms]
 * [--ack-timeout duration]`: sets a service's
 * stage in Unleash (creating the flag and its strategy there if needed) and records the change in
 * the kit DB, then tells every live proxy to read it now and waits until each routes by it
 * (rollout/stage-propagation.ts), printing the time it took or the proxies that did not. Gates are
 * consulted (rollout/check-gates.ts).
 * Moving the writes (canary -> live, live -> canary) runs the fenced cut-over (rollout/cutover.ts).
 * Before anything moves, the checks of `ficus check` it needs (cli/check/require-checks.ts): the
 * Unleash admin token, and for an advance the sync direction it relies on (forward for shadow and
 * canary, reverse for live and complete); a rollback is never refused by them.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Command } from 'commander';
import type { Knex } from 'knex';
import { ConfigError } from '../../lib/errors.ts';
import { parseDuration } from '../../lib/duration.ts';
import { loadPlan } from '../../plan/load-plan.ts';
import { changeStage } from '../../rollout/stage-change.ts';
import { configuredUnleashAdmin } from '../../rollout/unleash-admin.ts';
import { kitDbUrl, openKitDb } from '../../lib/kit-db.ts';
import { createProgress } from '../../lib/progress.ts';
import { isStage, STAGES, type Stage } from '../../plan/stages.ts';
import { loadConfig } from '../../lib/config/index.ts';
import { unleashAdminTokenCheck } from '../check/component-checks.ts';
import { ChecksFailedError, requireChecks } from '../check/require-checks.ts';
import { moveWrites, writesAtService } from '../../rollout/cutover.ts';
import { resolveInterruptedCutovers } from '../../rollout/cutover-recovery.ts';
import { configuredProxyFleet } from '../../rollout/proxy-fleet-client.ts';
import { describePropagation } from '../../rollout/stage-propagation.ts';
import { schemaEvidence } from '../../rollout/gate-evidence.ts';

/** Who is making the change: git's user.name, else the login name. */
export function currentActor(env: NodeJS.ProcessEnv = process.env): string {
  try {
    const name = execFileSync('git', ['config', 'user.name'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (name) return name;
  } catch {
    // no git, or no name configured
  }
  return env.USER || env.LOGNAME || os.userInfo().username;
}

const pct = (s: { stage: string; percent: number }) =>
  s.stage === 'canary' ? `canary ${s.percent}%` : s.stage;

/**
 * A refusal by the prerequisites names the gates of the service's open schema changes too: a
 * legacy column dropped or renamed fails the mapping check as well, and the gate says which
 * change, and the event its table's sync paused at (`ficus schema-changes`).
 */
async function refusedWithSchemaGates(
  error: unknown,
  kitDb: Knex,
  service: string,
): Promise<never> {
  if (!(error instanceof ChecksFailedError)) throw error;
  const open = await schemaEvidence(kitDb, service).catch(() => []);
  if (open.length)
    error.message += `\nand the gates of the open schema changes (\`ficus schema-changes\`):\n${open.map((c) => `  ✗ ${c.gate}`).join('\n')}`;
  throw error;
}

export function register(program: Command): void {
  program
    .command('stage')
    .argument('<service>', 'a service of the plan')
    .argument('<stage>', 'legacy | shadow | canary | live | complete')
    .option('--percent <n>', 'canary: share of users the service serves (sticky per user)')
    .option('--why <text>', 'the reason, kept in the audit')
    .option('--force', 'skip stages or override gates')
    .option('--json', 'print the change as JSON')
    .option(
      '--hold-bound <ms>',
      'write cut-over: how long a held write waits before 503 + Retry-After',
      '15000',
    )
    .option(
      '--ack-timeout <duration>',
      'write cut-over: how long the sync workers may take to acknowledge a switched direction (30s, 2m)',
      '30s',
    )
    .description('move a service to a stage (in Unleash), audited in the kit DB')
    .action(
      async (
        service: string,
        stage: string,
        options: {
          percent?: string;
          why?: string;
          force?: boolean;
          json?: boolean;
          holdBound: string;
          ackTimeout: string;
        },
      ) => {
        const percent = options.percent === undefined ? undefined : Number(options.percent);
        if (percent !== undefined && !Number.isFinite(percent))
          throw new ConfigError(`--percent: not a number: "${options.percent}"`);
        const ackTimeoutMs = parseDuration(options.ackTimeout, '--ack-timeout');
        const plan = loadPlan();
        const config = loadConfig();
        // a token Unleash refuses is named by its configuration key, before anything moves
        const token = await unleashAdminTokenCheck(config);
        if (!token.ok) throw new ChecksFailedError(`ficus stage ${service} ${stage}`, [token]);
        const kitDb = openKitDb(kitDbUrl(), 1);
        const unleash = configuredUnleashAdmin();
        const proxies = configuredProxyFleet(kitDb);
        try {
          const request = {
            service,
            stage,
            percent,
            why: options.why,
            force: options.force,
            actor: currentActor(),
          };
          // a cut-over of the service that died is finished or undone before anything else
          const recovered = await resolveInterruptedCutovers(service, {
            plan,
            kitDb,
            proxies,
            unleash,
            progress: createProgress(),
            actor: request.actor,
            ackTimeoutMs,
          });
          for (const r of recovered)
            process.stdout.write(
              `${service}: the interrupted write cut-over #${r.id} (died at "${r.step}") was ${r.outcome}\n`,
            );
          const current = await unleash.readStage(service);
          // an advance needs its sync direction ready; a step back (a rollback) is never refused
          if (isStage(stage) && STAGES.indexOf(stage) > STAGES.indexOf(current.stage))
            await requireChecks(`ficus stage ${service} ${stage}`, plan, config, service, [
              writesAtService(stage) ? 'reverse' : 'forward',
            ]).catch((error: unknown) => refusedWithSchemaGates(error, kitDb, service));
          // Moving the writes (canary -> live, or back) is the fenced cut-over, not a flag flip.
          const change =
            writesAtService(current.stage) !== writesAtService(stage)
              ? (
                  await moveWrites(
                    {
                      ...request,
                      to: { stage: stage as Stage, percent: percent ?? 0 },
                      holdBoundMs: Number(options.holdBound),
                      ackTimeoutMs,
                    },
                    {
                      plan,
                      unleash,
                      kitDb,
                      proxies,
                      progress: createProgress(),
                    },
                  )
                ).change
              : await changeStage(request, {
                  services: plan.services.map((s) => s.name),
                  unleash,
                  kitDb,
                  fleet: proxies,
                });
          if (options.json) process.stdout.write(JSON.stringify(change, null, 2) + '\n');
          else {
            process.stdout.write(
              `${service}: ${pct(change.from)} -> ${pct(change.to)} (by ${change.actor}${change.forced ? ', forced' : ''})\n`,
            );
            process.stdout.write(`gates: ${change.gates.summary}\n`);
            if (change.propagation)
              process.stdout.write(`proxies: ${describePropagation(change.propagation)}\n`);
          }
        } finally {
          await kitDb.destroy();
        }
      },
    );
}
