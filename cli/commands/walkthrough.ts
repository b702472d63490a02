/**
 * `ficus walkthrough [--fast] [--step]`: the guided migration of the demo shop on the embedded
 * stack, from nothing to catalog and orders at `complete`. Exits 0 only if every check held.
 * Non-interactive runs (CI, no terminal) take the fast pace unless --full is given.
 */
import path from 'node:path';
import readline from 'node:readline/promises';
import type { Command } from 'commander';
import { ConfigError } from '../../lib/errors.ts';
import { PACES } from '../../walkthrough/pace.ts';
import { runWalkthrough } from '../../walkthrough/walkthrough.ts';

async function pressEnter(): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  await rl.question('\n  [Enter] for the next step ');
  rl.close();
}

export function register(program: Command): void {
  program
    .command('walkthrough')
    .description(
      'the guided migration of the demo shop: extract catalog and orders, gated and reversible, with traffic throughout',
    )
    .option(
      '--fast',
      'short phases (a few minutes); the default when not run from a terminal or under CI',
    )
    .option('--full', 'the person-paced version even without a terminal')
    .option('--step', 'pause before each step until Enter is pressed')
    .option('--out <dir>', 'where the reports go', 'reports')
    .action(async (options: { fast?: boolean; full?: boolean; step?: boolean; out: string }) => {
      if (options.fast && options.full)
        throw new ConfigError('walkthrough: --fast and --full exclude each other');
      if (options.step && !process.stdin.isTTY)
        throw new ConfigError('walkthrough: --step needs a terminal to press Enter in');
      const interactive = process.stdout.isTTY && !process.env.CI;
      const pace = options.fast || (!options.full && !interactive) ? PACES.fast : PACES.full;
      const ok = await runWalkthrough({
        pace,
        pause: options.step ? pressEnter : undefined,
        reportsDir: path.resolve(options.out),
      });
      process.exitCode = ok ? 0 : 1;
    });
}
