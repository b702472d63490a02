/**
 * A stand-in for the user's supervisor (systemd, Kubernetes) in e2e tests: runs `ficus sync`
 * workers as child processes, `node bin/ficus.js sync <service> --direction <d>` with FICUS_CONFIG
 * pointing at the test's configuration, keeps their output for failure messages, and stops them
 * with SIGTERM as a supervisor would. ficus itself never starts or stops them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { PACKAGE_ROOT } from '../lib/package-paths.ts';
import type { Direction } from '../plan/mapping.ts';
import { captureChildOutput } from './pg-overlap-guard.ts';

export type SupervisedWorker = {
  direction: Direction;
  pid: number;
  child: ChildProcess;
  output: () => string;
  /** whether it printed pg's warning of a query sent to a busy client (pg-overlap-guard.ts) */
  pgOverlapWarned: () => boolean;
  /** still the process the test started: not exited, not replaced */
  alive: () => boolean;
  stop: () => Promise<void>;
};

/** A port nothing listens on now (for a worker's metrics page). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function superviseSyncWorker(
  service: string,
  direction: Direction,
  configFile: string,
): Promise<SupervisedWorker> {
  const args = [
    '--disable-warning=TimeoutNegativeWarning',
    path.join(PACKAGE_ROOT, 'bin', 'ficus.js'),
    'sync',
    service,
    '--direction',
    direction,
    '--metrics-port',
    String(await freePort()),
    '--progress-interval',
    '2000',
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, FICUS_CONFIG: configFile, FICUS_RETRY_FAST: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output, pgOverlapWarned } = captureChildOutput(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    direction,
    pid: child.pid!,
    child,
    output,
    pgOverlapWarned,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
