/**
 * Long-running child processes of the stack: started detached (they outlive the command that
 * started them), output appended to one log file each under the logs folder, pid recorded under
 * the run folder so that `stack down` stops exactly what ficus started and nothing else.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { sleep } from '../lib/wait.ts';

export type ProcessSpec = {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
};

export type Dirs = { logsDir: string; runDir: string };

export const pidFile = (dirs: Dirs, name: string) => path.join(dirs.runDir, `${name}.pid`);
export const logFile = (dirs: Dirs, name: string) => path.join(dirs.logsDir, `${name}.log`);

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid ficus recorded for `name`, if that process still runs. */
export function runningPid(dirs: Dirs, name: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(dirs, name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function startDetached(dirs: Dirs, spec: ProcessSpec): number {
  fs.mkdirSync(dirs.logsDir, { recursive: true });
  fs.mkdirSync(dirs.runDir, { recursive: true });
  const out = fs.openSync(logFile(dirs, spec.name), 'a');
  fs.writeSync(
    out,
    `\n--- ${new Date().toISOString()} starting ${spec.command} ${spec.args.join(' ')}\n`,
  );
  // A process group of its own, so that stopping it also stops whatever it spawned.
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  fs.writeFileSync(pidFile(dirs, spec.name), String(child.pid));
  return child.pid;
}

/** SIGTERM to the process group, then SIGKILL if it has not gone after `graceMs`. */
export async function stopProcess(dirs: Dirs, name: string, graceMs = 15_000): Promise<boolean> {
  const pid = runningPid(dirs, name);
  fs.rmSync(pidFile(dirs, name), { force: true });
  if (pid === undefined) return false;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signal('SIGKILL');
  return true;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** The last lines of a log, to show with a failure. */
export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
