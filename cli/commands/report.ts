import type { Command } from 'commander';
import { FicusError } from '../../lib/errors.ts';

// Placeholder until the `report` command lands; it says so rather than pretending to work.
export function register(program: Command): void {
  program
    .command('report')
    .description('(not built yet)')
    .allowUnknownOption()
    .action(() => {
      throw new FicusError('not_built', '`ficus report` is not built yet');
    });
}
