import type { Command } from 'commander';
import { FicusError } from '../../lib/errors.ts';

// Placeholder until the `sync` command lands; it says so rather than pretending to work.
export function register(program: Command): void {
  program
    .command('sync')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new FicusError('not_built', '`ficus sync` is not built yet');
    });
}
