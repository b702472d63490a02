/**
 * The ficus command line. Each command lives in cli/commands/<name>.ts and exports
 * `register(program)`; modules are loaded lazily so `ficus stack status` does not load Kafka.
 */
import path from 'node:path';
import { Command } from 'commander';
import { FicusError, errorMessage } from '../lib/errors.ts';

type Registrar = { register: (program: Command) => void };

const commands: (() => Promise<Registrar>)[] = [
  () => import('./commands/init.ts'),
  () => import('./commands/check.ts'),
  () => import('./commands/stack.ts'),
  () => import('./commands/migrate.ts'),
  () => import('./commands/seed.ts'),
  () => import('./commands/connectors.ts'),
  () => import('./commands/clean.ts'),
  () => import('./commands/sync.ts'),
  () => import('./commands/verify.ts'),
  () => import('./commands/schema-changes.ts'),
  () => import('./commands/stage.ts'),
  () => import('./commands/rollout.ts'),
  () => import('./commands/status.ts'),
  () => import('./commands/report.ts'),
  () => import('./commands/walkthrough.ts'),
];

const program = new Command('ficus')
  .description('strangler-fig migration kit: move a monolith out, one service at a time')
  .option(
    '--config <file>',
    "the configuration to use (default: FICUS_CONFIG, ./ficus.config.yaml, or the embedded stack's)",
  )
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: false });

// Every command (and every program it starts) finds the configuration through FICUS_CONFIG.
program.hook('preAction', () => {
  const { config } = program.opts<{ config?: string }>();
  if (config) process.env.FICUS_CONFIG = path.resolve(config);
});

for (const load of commands) (await load()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = error instanceof FicusError ? ` [${error.code}]` : '';
  process.stderr.write(`ficus: ${errorMessage(error)}${code}\n`);
  if (process.env.FICUS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = process.exitCode || 1;
}
