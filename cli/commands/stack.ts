import type { Command } from 'commander';
import { createProgress } from '../../lib/progress.ts';
import { appsUp } from '../../stack/apps-up.ts';
import { proxyPorts } from '../../stack/apps.ts';
import { DEFAULT_PORTS } from '../../stack/stack-config.ts';
import { stackDown, stackStatus, stackUp, type StackStatus } from '../../stack/stack.ts';

function printStatus(status: StackStatus): void {
  const width = Math.max(...Object.keys(status.components).map((name) => name.length));
  const rows = Object.entries(status.components).map(([name, c]) => {
    const where = (c.url ?? c.bootstrap ?? '') as string;
    return `  ${name.padEnd(width)}  ${c.state.padEnd(8)} ${where.replace(/:\/\/([^:]+):[^@]+@/, '://$1:***@')}`;
  });
  process.stdout.write(rows.join('\n') + '\n');
}

export function register(program: Command): void {
  const stack = program
    .command('stack')
    .description(
      'the embedded stack of real components on loopback: two PostgreSQL clusters, Kafka (KRaft), Kafka Connect with Debezium, Unleash',
    );

  stack
    .command('up')
    .description('start every part (reusing what runs) and wait until each is healthy')
    .option('--apps', 'also start the monolith, the services, their sync workers and the proxy')
    .option('--proxies <n>', 'with --apps: how many proxies, on consecutive ports', '1')
    .action(async (options: { apps?: boolean; proxies: string }) => {
      const started = Date.now();
      const progress = createProgress();
      const proxies = Number(options.proxies);
      proxyPorts(DEFAULT_PORTS, proxies); // a bad --proxies fails before anything starts
      await stackUp(progress);
      if (options.apps) await appsUp(progress, undefined, proxies);
      const status = await stackStatus();
      printStatus(status);
      process.stdout.write(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    });

  stack
    .command('down')
    .description('stop what `ficus stack up` started (and nothing else)')
    .action(async () => {
      await stackDown(createProgress());
    });

  stack
    .command('status')
    .description('health and endpoints of every part')
    .option('--json', 'machine-readable output (stable)')
    .action(async (options: { json?: boolean }) => {
      const status = await stackStatus();
      if (options.json) process.stdout.write(JSON.stringify(status, null, 2) + '\n');
      else printStatus(status);
      if (Object.values(status.components).some((c) => c.state !== 'running')) process.exitCode = 3;
    });
}
