/**
 * `ficus verify <service> [--json]`: data parity of the service's tables against the legacy rows
 * they come from (cdc/verify/). Exit code 0 when clean, 1 when not. Progress goes to stderr.
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
    .action(
      async (
        serviceName: string,
        options: {
          json?: boolean;
          resume?: boolean;
          chunkSize: string;
          wait: boolean;
          waitTimeout: string;
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
          let consistency;
          if (options.wait) {
            await kafkaAdmin.connect();
            consistency = sinkConsistency({
              legacy,
              service: serviceDb,
              connect: createConnectClient({ url: config.connect.url }),
              kafkaAdmin,
              spec: configuredConnectorSpec(plan, service, 'forward', config),
              timeoutMs: positiveInt(options.waitTimeout, '--wait-timeout') * 1000,
              progress,
            });
          }
          const { report, notes } = await verifyService({
            plan,
            service: serviceName,
            legacy,
            serviceDb,
            kit,
            chunkSize: positiveInt(options.chunkSize, '--chunk-size'),
            resume: options.resume,
            consistency,
            progress,
          });
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
