import type { Command } from 'commander';
import { FicusError } from '../../lib/errors.ts';

// Placeholder until the `rollout` command lands; it says so rather than pretending to work.
export function register(program: Command): void {
  program
    .command('rollout')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new FicusError('not_built', '`ficus rollout` is not built yet');
    });
}
