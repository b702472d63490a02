/**
 * `ficus clean <service>`: removes everything ficus made for one service, once ficus is done with
 * it: at `legacy` (rolled back, not going on) or at `complete` (the service owns its data for
 * good). Its connectors in both directions with their replication slots and publications, its
 * fence on the legacy tables (at `complete`), its rows in ficus's shared tables, the sink's
 * bookkeeping, and the `ficus_cdc` schema of each database once no other service needs it
 * (rollout/legacy-cleanup.ts). The legacy tables themselves and their rows stay: they are the
 * user's. Stop the service's sync workers first; `ficus check` lists what is left.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../lib/errors.ts';
import { loadConfig } from '../../lib/config/index.ts';
import { createProgress } from '../../lib/progress.ts';
import { findService, loadPlan } from '../../plan/load-plan.ts';
import {
  configuredConnectClient,
  configuredConnectorSpec,
  dropConfiguredSlot,
  withSourceDb,
} from '../../cdc/connect/configured-connectors.ts';
import { configuredUnleashAdmin } from '../../rollout/unleash-admin.ts';
import { fenceScope } from '../../rollout/legacy-fence.ts';
import { cleanSourceDatabase } from '../../rollout/legacy-cleanup.ts';
import { reportCleanup } from './connectors.ts';

const CLEANABLE = ['legacy', 'complete'];

export function register(program: Command): void {
  program
    .command('clean')
    .argument('<service>', 'a service of the plan, at legacy or complete')
    .description(
      "remove what ficus made for a service in the legacy DB and its own DB (connectors, slots, publications, fence, ficus_cdc once unneeded); the tables' data stays",
    )
    .action(async (name: string) => {
      const config = loadConfig();
      const plan = loadPlan(config.planFile);
      const service = findService(plan, name);
      const { stage } = await configuredUnleashAdmin(config).readStage(name);
      if (!CLEANABLE.includes(stage))
        throw new ConfigError(
          `${name} is at ${stage}: ficus clean removes its connectors and fence only at legacy (rolled back) or complete; ` +
            `roll it back (ficus stage ${name} legacy) or finish it (ficus stage ${name} complete) first`,
        );
      const connect = configuredConnectClient(config);
      const progress = createProgress();
      for (const direction of ['reverse', 'forward'] as const) {
        const spec = configuredConnectorSpec(plan, service, direction, config);
        if (await connect.findStatus(spec.name)) {
          await connect.delete(spec.name);
          progress.done(`deleted connector ${spec.name}`);
        }
        await dropConfiguredSlot(config, spec);
        const unfence =
          direction === 'forward' && stage === 'complete' ? fenceScope(plan, service).tables : [];
        reportCleanup(
          progress,
          spec.endpoint.database,
          await withSourceDb(config, spec, (db) =>
            cleanSourceDatabase(db, spec, { unfence, sinkTables: 'drop-if-unneeded' }),
          ),
        );
      }
      progress.done(
        `${name}: ficus's objects removed; the legacy tables ${service.owns.map((t) => t.source).join(', ') || '(none owned)'} and their rows stay`,
      );
    });
}
