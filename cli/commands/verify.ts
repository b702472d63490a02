/**
 * `ficus verify <service> [--json] [--repair [--dry-run]]`: data parity of the service's tables
 * against the legacy rows they come from (cdc/verify/); with `--repair`, the differing keys are
 * brought back to their source and the repaired chunks verified again (cdc/verify/README.md).
 * Exit code 0 when clean (after the repair), 1 when not. Progress goes to stderr.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../lib/errors.ts';
import { createProgress } from '../../lib/progress.ts';
import { findService, loadPlan } from '../../plan/load-plan.ts';
import { loadConfig, serviceConfig } from '../../lib/config/index.ts';
import { createConnectClient } from '../../cdc/connect/connect-client.ts';
import { configuredConnectorSpec } from '../../cdc/connect/configured-connectors.ts';
import { sinkConsistency } from '../../cdc/verify/consistent-point.ts';
import {
  openVerifyPool,
  verifyService,
  type VerifyReport,
} from '../../cdc/verify/verify-service.ts';
import { createKafkaAdmin } from '../../cdc/kafka/kafka-clients.ts';
import { preflight } from '../preflight.ts';
import type { Direction } from '../../plan/mapping.ts';
import { formatRepairPlan } from '../../cdc/verify/repair-plan.ts';
import { repairService, type RepairReport } from '../../cdc/verify/repair-service.ts';
import { openKitDb } from '../../lib/kit-db.ts';
import { syncFleetStore } from '../../cdc/fleet/sync-fleet-store.ts';
import { currentActor } from './stage.ts';

function printReport(report: VerifyReport): void {
  const lines = report.tables.map((t) => {
    const diffs = t.mismatched + t.missingInTarget + t.extraInTarget;
    const head = `  ${`${t.source} -> ${t.target}`.padEnd(36)} rows ${String(t.rows).padStart(9)}  matching ${String(t.matching).padStart(9)}`;
    if (!diffs) return `${head}  ok`;
    const samples = JSON.stringify(t.samples);
    return `${head}  mismatched ${t.mismatched}, missing in target ${t.missingInTarget}, extra in target ${t.extraInTarget}\n    samples ${samples}`;
  });
  process.stdout.write(
    `${report.service}: ${report.clean ? 'clean' : 'DIFFERENCES'}\n${lines.join('\n')}\n`,
  );
}

function printRepair(r: RepairReport): void {
  const out = [`${r.service}: repair ${r.dryRun ? 'plan (dry run: nothing changed)' : 'plan'}`];
  out.push(formatRepairPlan(r.plan).trimEnd());
  if (!r.dryRun) {
    for (const t of r.tables)
      out.push(
        `  ${t.source} -> ${t.target} (${t.direction}): ${t.copied} re-copied, ${t.deleted} deleted, ${t.remaining ? `${t.remaining} STILL DIFFER` : 'clean now'}`,
      );
    out.push(
      `${r.service}: ${r.clean ? 'clean after the repair' : 'NOT clean after the repair'}${r.repairId ? ` (repair #${r.repairId} recorded)` : ''}`,
    );
  }
  process.stdout.write(out.join('\n') + '\n');
}

/** `--direction`, or the service's sync direction in the kit DB: reverse once it is switched on. */
async function repairDirection(value: string, service: string, kitUrl: string): Promise<Direction> {
  if (value === 'forward' || value === 'reverse') return value;
  if (value !== 'auto')
    throw new ConfigError(`--direction must be auto, forward or reverse, got "${value}"`);
  const kitDb = openKitDb(kitUrl, 1);
  try {
    const reverse = await syncFleetStore(kitDb).readAssignment(service, 'reverse');
    return reverse.active ? 'reverse' : 'forward';
  } finally {
    await kitDb.destroy();
  }
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError(`${flag} must be a positive integer, got "${value}"`);
  return n;
}

export function register(program: Command): void {
  program
    .command('verify <service>')
    .description(
      "data parity: the service's tables against the legacy rows they come from, through the plan's mapping",
    )
    .option('--json', 'machine-readable output (stable): { service, clean, tables: [...] }')
    .option('--resume', 'continue the last unfinished run of this service')
    .option('--chunk-size <n>', 'rows per hashed chunk', '10000')
    .option('--no-wait', 'compare as of now, without waiting for the sink to catch up')
    .option('--wait-timeout <seconds>', 'how long to wait for the sink to catch up', '120')
    .option(
      '--repair',
      'bring the differing keys back to their source through the mapping (safe while writes go on), then verify them again',
    )
    .option(
      '--dry-run',
      'with --repair: print the keys it would re-copy and delete, change nothing',
    )
    .option(
      '--direction <direction>',
      "with --repair: the direction the service's owned tables flow (auto: reverse once reverse sync is on)",
      'auto',
    )
    .action(
      async (
        serviceName: string,
        options: {
          json?: boolean;
          resume?: boolean;
          chunkSize: string;
          wait: boolean;
          waitTimeout: string;
          repair?: boolean;
          dryRun?: boolean;
          direction: string;
        },
      ) => {
        const config = loadConfig();
        const plan = loadPlan(config.planFile);
        const service = findService(plan, serviceName);
        await preflight(config, [
          'legacy',
          'kit',
          { service: service.name },
          ...(options.wait ? (['kafka', 'connect'] as const) : []),
        ]);
        const progress = createProgress();
        const legacy = openVerifyPool(config.legacy.database.url);
        // the service's own role reads its tables and the sink's bookkeeping beside them
        const serviceDb = openVerifyPool(serviceConfig(config, service.name).database.url);
        const kit = openVerifyPool(config.kit.database.url, 2);
        const kafkaAdmin = createKafkaAdmin({
          brokers: config.kafka.brokers,
          clientId: 'ficus-verify',
        });
        try {
          if (options.dryRun && !options.repair)
            throw new ConfigError('--dry-run goes with --repair');
          const timeoutMs = positiveInt(options.waitTimeout, '--wait-timeout') * 1000;
          const connect = createConnectClient({ url: config.connect.url });
          if (options.wait) await kafkaAdmin.connect();
          // forward: the legacy DB is the source, the service DB the sink's target; reverse: the other way
          const consistencyOf = (direction: Direction) =>
            options.wait
              ? sinkConsistency({
                  legacy: direction === 'forward' ? legacy : serviceDb,
                  service: direction === 'forward' ? serviceDb : legacy,
                  connect,
                  kafkaAdmin,
                  spec: configuredConnectorSpec(plan, service, direction, config),
                  timeoutMs,
                  progress,
                })
              : undefined;
          const common = {
            plan,
            service: serviceName,
            legacy,
            serviceDb,
            kit,
            chunkSize: positiveInt(options.chunkSize, '--chunk-size'),
            consistency: consistencyOf('forward'),
            progress,
          };
          if (options.repair) {
            const repair = await repairService({
              ...common,
              direction: await repairDirection(
                options.direction,
                serviceName,
                config.kit.database.url,
              ),
              dryRun: options.dryRun,
              actor: currentActor(),
              reverseConsistency: consistencyOf('reverse'),
            });
            for (const note of repair.notes) progress.step(`note: ${note}`);
            if (options.json) process.stdout.write(JSON.stringify(repair, null, 2) + '\n');
            else {
              printReport(repair.before);
              printRepair(repair);
            }
            process.exitCode = (repair.dryRun ? repair.before.clean : repair.clean) ? 0 : 1;
            return;
          }
          const { report, notes } = await verifyService({ ...common, resume: options.resume });
          for (const note of notes) progress.step(`note: ${note}`);
          if (options.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
          else printReport(report);
          process.exitCode = report.clean ? 0 : 1;
        } finally {
          await kafkaAdmin.disconnect().catch(() => undefined);
          await Promise.all([legacy.end(), serviceDb.end(), kit.end()]);
        }
      },
    );
}
