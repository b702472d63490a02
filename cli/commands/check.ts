/**
 * `ficus check [--json]`: the prerequisites on the live systems, each with its fix (cli/check/).
 * Exit code 0 when all hold, 1 otherwise. The JSON shape is stable:
 * `{ ok, checks: [{ name, ok, detail, fix? }] }`.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../lib/config/index.ts';
import { loadPlan } from '../../plan/load-plan.ts';
import { renderCheckReport } from '../check/check-result.ts';
import { runChecks } from '../check/run-checks.ts';

export function register(program: Command): void {
  program
    .command('check')
    .description(
      "prerequisites on the live systems, each with its fix: components reachable (Unleash with its tokens), wal_level, replication slots and WAL senders, roles, a key and the replica identity for every captured table, the publication, the plan's tables and columns, the sink's statements, ranges (docs/operations.md)",
    )
    .option(
      '--json',
      'machine-readable output (stable): { ok, checks: [{ name, ok, detail, fix? }] }',
    )
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const plan = loadPlan(config.planFile);
      const report = await runChecks(plan, config);
      process.stdout.write(
        options.json ? JSON.stringify(report, null, 2) + '\n' : renderCheckReport(report),
      );
      process.exitCode = report.ok ? 0 : 1;
    });
}
