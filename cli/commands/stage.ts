import type { Command } from 'commander';
import { FicusError } from '../../lib/errors.ts';

// Placeholder until the `stage` command lands; it says so rather than pretending to work.
export function register(program: Command): void {
  program
    .command('stage')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new FicusError('not_built', '`ficus stage` is not built yet');
    });
}
