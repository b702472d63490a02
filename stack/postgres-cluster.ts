/**
 * A private PostgreSQL cluster from the machine's server binaries: initdb once, then pg_ctl.
 * Both clusters run with wal_level=logical and room for replication slots (Debezium needs one
 * slot per connector). PostgreSQL refuses to run as root, so under root the server runs as the
 * `postgres` system user and its folders belong to that user.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FicusError } from '../lib/errors.ts';
import { tail } from './processes.ts';

export type ClusterSpec = {
  name: string;
  port: number;
  dataDir: string;
  logFile: string;
  pgBin: string;
  adminUser: string;
  adminPassword: string;
};

const SERVER_SETTINGS = (port: number) => `
# --- ficus embedded stack ---
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = ''
wal_level = logical
max_replication_slots = 32
max_wal_senders = 32
max_connections = 300
shared_buffers = 256MB
wal_keep_size = 512MB
max_slot_wal_keep_size = 4GB
`;

const HBA = `# ficus embedded stack: loopback only, passwords always
host all all 127.0.0.1/32 scram-sha-256
host replication all 127.0.0.1/32 scram-sha-256
`;

function runAsServerUser(command: string, args: string[]): string {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
    : [command, args];
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string };
    throw new FicusError(
      'postgres_command_failed',
      `${command} ${args.join(' ')} failed: ${(e.stderr || e.stdout || '').trim()}`,
    );
  }
}

function ownForServer(target: string) {
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', target]);
}

export function isInitialised(spec: ClusterSpec): boolean {
  return fs.existsSync(path.join(spec.dataDir, 'PG_VERSION'));
}

export function initialise(spec: ClusterSpec): void {
  // The parent stays traversable for the server user; only the data folder itself is private.
  fs.mkdirSync(path.dirname(spec.dataDir), { recursive: true, mode: 0o755 });
  fs.chmodSync(path.dirname(spec.dataDir), 0o755);
  fs.mkdirSync(spec.dataDir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(os.tmpdir(), `ficus-pw-${process.pid}-${spec.port}`);
  fs.writeFileSync(pwfile, spec.adminPassword + '\n', { mode: 0o644 });
  ownForServer(spec.dataDir);
  try {
    runAsServerUser(path.join(spec.pgBin, 'initdb'), [
      '-D',
      spec.dataDir,
      '-U',
      spec.adminUser,
      `--pwfile=${pwfile}`,
      '--auth-host=scram-sha-256',
      '--auth-local=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
      '--no-instructions',
    ]);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
  fs.appendFileSync(path.join(spec.dataDir, 'postgresql.conf'), SERVER_SETTINGS(spec.port));
  fs.writeFileSync(path.join(spec.dataDir, 'pg_hba.conf'), HBA);
  ownForServer(spec.dataDir);
}

/** True when ficus started this cluster and it still runs (its postmaster.pid names a live process). */
export function isRunning(spec: ClusterSpec): boolean {
  try {
    const pid = Number(
      fs.readFileSync(path.join(spec.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function start(spec: ClusterSpec): void {
  fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
  if (!fs.existsSync(spec.logFile)) fs.writeFileSync(spec.logFile, '');
  ownForServer(spec.logFile);
  try {
    runAsServerUser(path.join(spec.pgBin, 'pg_ctl'), [
      '-D',
      spec.dataDir,
      '-l',
      spec.logFile,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  } catch (error) {
    throw new FicusError(
      'postgres_start_failed',
      `${spec.name} did not start on port ${spec.port}: ${(error as Error).message}\n${tail(spec.logFile)}`,
    );
  }
}

/**
 * `fast` rolls back open transactions and shuts down cleanly; `immediate` (tests) aborts every
 * process at once, as a crash would, and the next start runs crash recovery.
 */
export function stop(spec: ClusterSpec, mode: 'fast' | 'immediate' = 'fast'): boolean {
  if (!isRunning(spec)) return false;
  runAsServerUser(path.join(spec.pgBin, 'pg_ctl'), [
    '-D',
    spec.dataDir,
    '-m',
    mode,
    '-w',
    '-t',
    '60',
    'stop',
  ]);
  return true;
}
