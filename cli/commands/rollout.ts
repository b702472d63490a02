/**
 * `ficus rollout <service> --steps 1,5,25,50,100 --interval 30s [--check-every 2s] [--resume]`:
 * raises the canary share step by step while the gates hold, re-judging them every few seconds
 * on the evidence since the step began; rolls back by itself when one breaks (rollout/). Exit
 * code 0 when it completes at canary 100, 1 when it rolled back, was refused or stalled, 130
 * when stopped (SIGINT/SIGTERM; resume with --resume).
 */
import type { Command } from 'commander';
import { ConfigError } from '../../lib/errors.ts';
import { createProgress } from '../../lib/progress.ts';
import { findService, loadPlan } from '../../plan/load-plan.ts';
import { configuredUnleashAdmin } from '../../rollout/unleash-admin.ts';
import { kitDbUrl, openKitDb } from '../../lib/kit-db.ts';
import { configuredProxyFleet } from '../../rollout/proxy-fleet-client.ts';
import { parseDuration } from '../../lib/duration.ts';
import { parseSteps } from '../../rollout/rollout-plan.ts';
import { runRollout } from '../../rollout/run-rollout.ts';
import { openSyncLag } from '../../rollout/configured-sync-lag.ts';

type Options = {
  steps: string;
  interval: string;
  checkEvery: string;
  maxWait?: string;
  minComparisons?: string;
  minMatchRate?: string;
  resume?: boolean;
};

function steps(text: string): number[] {
  try {
    return parseSteps(text);
  } catch (error) {
    throw new ConfigError(`--steps: ${(error as Error).message}`);
  }
}

function number(
  text: string | undefined,
  flag: string,
  check: (n: number) => boolean,
): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !check(n)) throw new ConfigError(`${flag}: out of range: "${text}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command('rollout')
    .argument(
      '<service>',
      'a service of the plan, in shadow (or at a canary share among the steps)',
    )
    .option('--steps <list>', 'canary percentages, rising, ending at 100', '1,5,25,50,100')
    .option('--interval <duration>', 'how long each step must hold (500ms, 30s, 2m)', '30s')
    .option('--check-every <duration>', 'how often the gates are judged during a step', '2s')
    .option(
      '--max-wait <duration>',
      'how long past the interval to wait for enough comparisons (default 3 intervals)',
    )
    .option('--min-comparisons <n>', "override the plan's gates.minComparisons")
    .option('--min-match-rate <x>', "override the plan's gates.minMatchRate (0..1)")
    .option('--resume', 'continue the last rollout of the service from where it was left')
    .description(
      'raise the canary share step by step while the gates hold; roll back by itself when one breaks',
    )
    .action(async (service: string, options: Options) => {
      const plan = loadPlan();
      findService(plan, service);
      const intervalMs = parseDuration(options.interval, '--interval');
      const kitDb = openKitDb(kitDbUrl(), 2);
      const unleash = configuredUnleashAdmin();
      const lags = openSyncLag(plan);
      const progress = createProgress();
      const stop = new AbortController();
      const onSignal = (signal: string) => {
        progress.step(`${signal}: stopping at the current step (state is saved)`);
        stop.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const outcome = await runRollout(
          {
            service,
            steps: steps(options.steps),
            intervalMs,
            checkEveryMs: parseDuration(options.checkEvery, '--check-every'),
            maxWaitMs:
              options.maxWait === undefined
                ? undefined
                : parseDuration(options.maxWait, '--max-wait'),
            resume: options.resume,
          },
          {
            kitDb,
            unleash,
            plan,
            gateContext: {
              syncLag: lags.forService(service),
              thresholds: {
                ...(options.minComparisons !== undefined && {
                  minComparisons: number(
                    options.minComparisons,
                    '--min-comparisons',
                    (n) => Number.isInteger(n) && n >= 0,
                  ),
                }),
                ...(options.minMatchRate !== undefined && {
                  minMatchRate: number(
                    options.minMatchRate,
                    '--min-match-rate',
                    (n) => n >= 0 && n <= 1,
                  ),
                }),
              },
            },
            out: (line) => progress.step(line),
            fleet: configuredProxyFleet(kitDb),
            signal: stop.signal,
          },
        );
        process.stdout.write(
          `rollout #${outcome.id} of ${service}: ${outcome.status} — ${outcome.reason}\n`,
        );
        process.exitCode =
          outcome.status === 'completed' ? 0 : outcome.status === 'stopped' ? 130 : 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await lags.close();
        await kitDb.destroy();
      }
    });
}
