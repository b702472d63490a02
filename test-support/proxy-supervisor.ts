/**
 * A stand-in for the supervisor that runs a fleet of proxies in e2e tests: each proxy is a real
 * `node proxy/main.ts` process on ports of its own, configured the way a user configures it
 * (FICUS_CONFIG, plus the ports and a flags backup directory of its own), registered in the kit DB
 * the configuration names. A test can stop one as a supervisor would (SIGTERM: it deregisters) or
 * kill it (SIGKILL: its lease is left to lapse), which an in-process proxy cannot show.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../lib/package-paths.ts';
import { waitFor } from '../lib/wait.ts';
import { captureChildOutput } from './pg-overlap-guard.ts';
import { freePort } from './sync-supervisor.ts';

export type SupervisedProxy = {
  pid: number;
  url: string;
  adminUrl: string;
  output: () => string;
  /** whether it printed pg's warning of a query sent to a busy client (pg-overlap-guard.ts) */
  pgOverlapWarned: () => boolean;
  /** SIGTERM, as a supervisor stops it: it deregisters and exits */
  stop: () => Promise<void>;
  /** SIGKILL: no goodbye, its registration stays until the lease lapses */
  kill: () => Promise<void>;
};

export async function superviseProxy(
  configFile: string,
  env: Record<string, string> = {},
): Promise<SupervisedProxy> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-proxy-flags-'));
  const child = spawn(process.execPath, [path.join(PACKAGE_ROOT, 'proxy', 'main.ts')], {
    env: {
      ...process.env,
      FICUS_CONFIG: configFile,
      FICUS_PROXY_HOST: '127.0.0.1',
      FICUS_PROXY_PORT: String(port),
      FICUS_PROXY_ADMIN_PORT: String(adminPort),
      FICUS_PROXY_FLAGS_BACKUP_DIR: backupDir,
      FICUS_PROXY_CALIBRATION_SAMPLES: '0',
      FICUS_PROXY_BACKEND_HEADER: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output, pgOverlapWarned } = captureChildOutput(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const end = async (signal: NodeJS.Signals) => {
    if (running()) child.kill(signal);
    await exited;
    fs.rmSync(backupDir, { recursive: true, force: true });
  };
  // main.ts logs this once the admin side listens, the fleet is joined and the public side serves
  await waitFor('the proxy to listen', async () => output().includes('proxy listening'), {
    timeoutMs: 30_000,
    intervalMs: 100,
  }).catch(async (error: Error) => {
    await end('SIGKILL');
    throw new Error(`${error.message}\n${output()}`);
  });
  return {
    pid: child.pid!,
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    output,
    pgOverlapWarned,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}
