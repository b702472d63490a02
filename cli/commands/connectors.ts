/**
 * `ficus connectors apply | status | delete | snapshot`: the Debezium source connectors the plan
 * implies, one per service and direction (cdc/connect/source-config.ts).
 */
import type { Command } from 'commander';
import { ConfigError } from '../../lib/errors.ts';
import { createProgress, type Progress } from '../../lib/progress.ts';
import { cleanSourceDatabase } from '../../rollout/legacy-cleanup.ts';
import { findService, loadPlan } from '../../plan/load-plan.ts';
import type { Direction } from '../../plan/mapping.ts';
import type { Plan } from '../../plan/plan-types.ts';
import { loadConfig } from '../../lib/config/index.ts';
import { preflight } from '../preflight.ts';
import { connectorReport, formatReport } from '../../cdc/connect/connector-report.ts';
import { signalSnapshot } from '../../cdc/connect/source-database.ts';
import {
  applyConfiguredConnector,
  configuredConnectClient,
  configuredConnectorSpec,
  dropConfiguredSlot,
  withSourceDb,
} from '../../cdc/connect/configured-connectors.ts';

/** What a cleanup removed from a database, and what it kept and why. */
export function reportCleanup(
  progress: Progress,
  database: string,
  outcome: { removed: string[]; kept: string | null },
): void {
  if (outcome.removed.length)
    progress.done(`removed from ${database}: ${outcome.removed.join(', ')}`);
  if (outcome.kept) progress.done(`${database}: ${outcome.kept}`);
}

type DirectionOption = Direction | 'both';

function directions(value: string | undefined, fallback: DirectionOption): Direction[] {
  const d = value ?? fallback;
  if (d === 'both') return ['forward', 'reverse'];
  if (d === 'forward' || d === 'reverse') return [d];
  throw new ConfigError(`--direction must be forward, reverse or both, got "${value}"`);
}

function specs(plan: Plan, service: string | undefined, dirs: Direction[]) {
  const config = loadConfig();
  const services = service ? [findService(plan, service)] : plan.services;
  return services.flatMap((s) =>
    dirs.map((d) => ({ service: s, spec: configuredConnectorSpec(plan, s, d, config) })),
  );
}

const connectClient = () => configuredConnectClient();

export function register(program: Command): void {
  const connectors = program
    .command('connectors')
    .description('the Debezium source connectors of the plan (one per service and direction)');

  connectors
    .command('apply [service]')
    .description('create or update, then wait until the connector and all its tasks are RUNNING')
    .option(
      '--direction <direction>',
      'forward (legacy DB -> service), reverse (service DB -> legacy) or both',
      'forward',
    )
    .option('--timeout <seconds>', 'how long to wait for RUNNING', '120')
    .action(
      async (service: string | undefined, options: { direction: string; timeout: string }) => {
        const config = loadConfig();
        const plan = loadPlan(config.planFile);
        const dirs = directions(options.direction, 'forward');
        const sourceServices = dirs.includes('reverse')
          ? (service ? [service] : plan.services.map((s) => s.name)).map((name) => ({
              service: name,
            }))
          : [];
        await preflight(config, [
          'connect',
          ...(dirs.includes('forward') ? ['legacy' as const] : []),
          ...sourceServices,
        ]);
        const progress = createProgress();
        for (const { service: s, spec } of specs(plan, service, dirs)) {
          progress.step(
            `applying ${spec.name} (${spec.endpoint.database} on ${spec.endpoint.host}:${spec.endpoint.port} as Connect sees it)`,
          );
          await applyConfiguredConnector(plan, s, spec.direction, {
            progress,
            timeoutMs: Number(options.timeout) * 1000,
          });
        }
      },
    );

  connectors
    .command('status [service]')
    .description('state, tasks, replication slot lag and last error of each connector')
    .option('--json', 'machine-readable output (stable): { connectors: [...] }')
    .action(async (service: string | undefined, options: { json?: boolean }) => {
      const connect = connectClient();
      const reports = [];
      for (const { spec } of specs(loadPlan(loadConfig().planFile), service, [
        'forward',
        'reverse',
      ]))
        reports.push(await connectorReport(connect, spec, loadConfig()));
      if (options.json)
        process.stdout.write(JSON.stringify({ connectors: reports }, null, 2) + '\n');
      else process.stdout.write(reports.map(formatReport).join('\n') + '\n');
      if (reports.some((r) => r.state === 'FAILED' || r.tasks.some((t) => t.state === 'FAILED')))
        process.exitCode = 1;
    });

  connectors
    .command('delete [service]')
    .description(
      'remove the connector(s); with --drop-slot also the replication slot and publication, and what ficus made for the service in the source database (shared objects once no other service needs them)',
    )
    .option('--direction <direction>', 'forward, reverse or both', 'both')
    .option(
      '--drop-slot',
      'also drop the replication slot and the publication (the next apply snapshots again)',
    )
    .action(
      async (service: string | undefined, options: { direction: string; dropSlot?: boolean }) => {
        const connect = connectClient();
        const progress = createProgress();
        const config = loadConfig();
        for (const { spec } of specs(
          loadPlan(config.planFile),
          service,
          directions(options.direction, 'both'),
        )) {
          if (await connect.findStatus(spec.name)) {
            await connect.delete(spec.name);
            progress.done(`deleted connector ${spec.name}`);
          } else progress.done(`connector ${spec.name} was not there`);
          if (options.dropSlot) {
            await dropConfiguredSlot(config, spec);
            progress.done(`dropped slot and publication ${spec.slot}`);
            reportCleanup(
              progress,
              spec.endpoint.database,
              await withSourceDb(config, spec, (db) =>
                cleanSourceDatabase(db, spec, {
                  // a service DB's sink tables are the forward sink's: `ficus clean` removes them
                  sinkTables: spec.direction === 'forward' ? 'drop-if-unneeded' : 'keep',
                }),
              ),
            );
          }
        }
      },
    );

  connectors
    .command('snapshot <service> <table>')
    .description(
      'ask the running forward connector to re-snapshot one legacy table (incremental, via the signal table)',
    )
    .option('--direction <direction>', 'forward or reverse', 'forward')
    .action(async (service: string, table: string, options: { direction: string }) => {
      const plan = loadPlan(loadConfig().planFile);
      const [{ spec }] = specs(plan, service, directions(options.direction, 'forward'));
      // `schema.table` names one table; a bare name only when no other schema has one so named
      const exact = spec.tables.filter((t) => `${t.schema}.${t.table}` === table);
      const matches = exact.length ? exact : spec.tables.filter((t) => t.table === table);
      const captured = matches.length === 1 ? matches[0] : undefined;
      if (!captured)
        throw new ConfigError(
          `${spec.name} ${matches.length ? `captures several tables named "${table}": say which, as schema.table` : `does not capture "${table}"`} (it captures ${spec.tables.map((t) => `${t.schema}.${t.table}`).join(', ')})`,
        );
      const id = await withSourceDb(loadConfig(), spec, (db) => signalSnapshot(db, spec, captured));
      createProgress().done(
        `snapshot of ${captured.schema}.${captured.table} requested from ${spec.name} (signal ${id})`,
      );
    });
}
