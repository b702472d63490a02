/**
 * A private Kafka broker and a private PostgreSQL cluster, for tests that stop and restart them:
 * the shared stack's broker and clusters serve every suite at the same time and must never be
 * restarted. Both are built with the stack's own code (stack/kafka-broker.ts,
 * stack/postgres-cluster.ts, stack/processes.ts) on free loopback ports, in one temporary folder.
 *
 *   const stack = await createPrivateStack();
 *   await stack.broker.stop('SIGKILL'); await stack.broker.start();
 *   await stack.postgres.restart('immediate', 1_000);
 *   await stack.dispose(); // stops both and removes the folder
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { FicusError } from '../lib/errors.ts';
import { sleep, waitFor } from '../lib/wait.ts';
import { ensureJars } from '../stack/jars.ts';
import { brokerProcess, prepareBroker, type BrokerSpec } from '../stack/kafka-broker.ts';
import * as cluster from '../stack/postgres-cluster.ts';
import { findPostgresBin } from '../stack/prerequisites.ts';
import {
  isAlive,
  logFile,
  portOpen,
  runningPid,
  startDetached,
  stopProcess,
  tail,
  type Dirs,
} from '../stack/processes.ts';
import { loadStackConfig } from '../stack/stack-config.ts';
import { kafkaAnswers } from '../stack/stack.ts';

/** Below the kernel's ephemeral range, so that no client socket takes the port between restarts. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 21_000 + Math.floor(Math.random() * 11_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free && !(await portOpen(port))) return port;
  }
}

export type PrivateBroker = Awaited<ReturnType<typeof createBroker>>;
export type PrivatePostgres = ReturnType<typeof createPostgres>;

async function createBroker(home: string) {
  const dirs: Dirs = { logsDir: path.join(home, 'logs'), runDir: path.join(home, 'run') };
  const { kafkaLibs } = await ensureJars(
    loadStackConfig().cacheDir,
    logFile(dirs, 'jar-download'),
    () => undefined,
  );
  const spec: BrokerSpec = {
    home,
    kafkaLibs,
    port: await freePort(),
    controllerPort: await freePort(),
  };
  prepareBroker(spec);
  const bootstrap = `127.0.0.1:${spec.port}`;
  const broker = {
    bootstrap,
    log: () => tail(logFile(dirs, 'kafka'), 30),
    /** starts the JVM on the same data folder and waits until the broker answers */
    async start() {
      startDetached(dirs, brokerProcess(spec));
      await waitFor(`private Kafka broker on ${bootstrap}`, () => kafkaAnswers(bootstrap), {
        timeoutMs: 90_000,
        intervalMs: 300,
      }).catch((error: Error) => {
        throw new FicusError('kafka_start_failed', `${error.message}\n${broker.log()}`);
      });
    },
    /** SIGTERM: controlled shutdown; SIGKILL: the JVM dies at once, as in a crash */
    async stop(signal: 'SIGTERM' | 'SIGKILL') {
      const pid = runningPid(dirs, 'kafka');
      if (pid === undefined)
        throw new FicusError('kafka_not_running', 'the private broker is not running');
      if (signal === 'SIGTERM') await stopProcess(dirs, 'kafka', 60_000);
      else process.kill(-pid, 'SIGKILL');
      await waitFor('the private broker to exit', async () => !isAlive(pid), {
        timeoutMs: 60_000,
        intervalMs: 50,
      });
      fs.rmSync(path.join(dirs.runDir, 'kafka.pid'), { force: true });
    },
    async dispose() {
      if (runningPid(dirs, 'kafka') !== undefined) await stopProcess(dirs, 'kafka', 5_000);
    },
  };
  await broker.start();
  return broker;
}

function createPostgres(root: string, port: number) {
  const pgBin = findPostgresBin();
  if (!pgBin)
    throw new FicusError(
      'postgres_missing',
      'no PostgreSQL server binaries found (initdb, pg_ctl)',
    );
  const spec: cluster.ClusterSpec = {
    name: 'private-postgres',
    port,
    dataDir: path.join(root, 'data'),
    logFile: path.join(root, 'postgres.log'),
    pgBin,
    adminUser: 'ficus',
    adminPassword: 'ficus',
  };
  cluster.initialise(spec);
  cluster.start(spec);
  const url = (db: string) => `postgres://ficus:ficus@127.0.0.1:${port}/${db}`;
  return {
    url,
    async sql(db: string, text: string, params: unknown[] = []) {
      const client = new pg.Client({ connectionString: url(db), options: '-c TimeZone=UTC' });
      await client.connect();
      try {
        return await client.query(text, params);
      } finally {
        await client.end();
      }
    },
    /** stops the server (`fast`: clean; `immediate`: as in a crash), keeps it down `downMs`, starts it */
    async restart(mode: 'fast' | 'immediate', downMs: number) {
      if (!cluster.stop(spec, mode))
        throw new FicusError('postgres_not_running', 'the private cluster is not running');
      await sleep(downMs);
      cluster.start(spec);
    },
    log: () => tail(spec.logFile, 30),
    dispose() {
      if (cluster.isRunning(spec)) cluster.stop(spec, 'immediate');
    },
  };
}

export type PrivateStack = Awaited<ReturnType<typeof createPrivateStack>>;

export async function createPrivateStack() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-private-stack-'));
  // the PostgreSQL server runs as the `postgres` user under root and must reach its data folder
  fs.chmodSync(root, 0o755);
  let broker: PrivateBroker | undefined;
  let postgres: PrivatePostgres | undefined;
  const dispose = async () => {
    const problems: string[] = [];
    await broker?.dispose().catch((e: Error) => problems.push(`broker: ${e.message}`));
    try {
      postgres?.dispose();
    } catch (e) {
      problems.push(`postgres: ${(e as Error).message}`);
    }
    fs.rmSync(root, { recursive: true, force: true });
    if (problems.length) throw new Error(`private stack cleanup: ${problems.join('; ')}`);
  };
  try {
    postgres = createPostgres(path.join(root, 'postgres'), await freePort());
    broker = await createBroker(path.join(root, 'kafka-home'));
    return { root, broker, postgres, dispose };
  } catch (error) {
    await dispose().catch(() => undefined);
    throw error;
  }
}
