/**
 * What a copy costs the legacy database, for bench/initial-copy.ts: the CPU its PostgreSQL
 * cluster spends, read from /proc, and the WAL the database's replication slots hold back; and the
 * bytes a copy left in Kafka, read from the broker's log directory. Each reads the embedded
 * stack's own processes and files under FICUS_HOME: the bench runs on the stack's machine.
 *
 * The CPU is read two ways. The cluster's is exact (the postmaster's own time, what it reaped
 * from children that exited, and its live children's) but counts whatever else runs on the
 * shared stack. The database's own is that of the backends connected to it (their process title
 * names it) and of the walsenders of its slots, sampled every SAMPLE_MS: nobody else's work is
 * in it, but a backend that exits takes its last moments with it (under SAMPLE_MS each), and a
 * connection opened and closed between two samples is missed whole. The sessions opened on the
 * database (pg_stat_database) tell how much such churn there was.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { readStat } from './proc-cpu.ts';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const SAMPLE_MS = 100;
const SLOT_SAMPLE_MS = 1000;

type Ticks = { own: number; reaped: number };

/** utime+stime and cutime+cstime of a process (fields 14-17 of /proc/<pid>/stat) */
function cpuTicks(pid: number): Ticks | undefined {
  const stat = readStat(`/proc/${pid}/stat`);
  if (!stat) return undefined; // exited since it was listed
  const [utime, stime, cutime, cstime] = stat.fields.slice(11, 15).map(Number);
  return { own: utime + stime, reaped: cutime + cstime };
}

const processTitle = (pid: number): string => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

const childrenOf = (pid: number): number[] =>
  fs
    .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .split(' ')
    .filter(Boolean)
    .map(Number);

/** The embedded stack's data directory of a cluster (stack/stack.ts). */
export const clusterDataDir = (ficusHome: string, cluster: 'legacy' | 'services') =>
  path.join(ficusHome, 'pg', `${cluster}-postgres`);

const postmasterOf = (dataDir: string) =>
  Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

/**
 * CPU ticks the cluster has spent so far: the postmaster's own, what it reaped from children
 * that exited (backends come and go, one a connection), and its live children's (backends do not
 * fork; parallel workers are the postmaster's children too).
 */
function clusterTicks(postmaster: number): number {
  const live = childrenOf(postmaster).reduce((sum, pid) => sum + (cpuTicks(pid)?.own ?? 0), 0);
  const self = cpuTicks(postmaster);
  if (!self) throw new Error(`the legacy postmaster (pid ${postmaster}) is not running`);
  return self.own + self.reaped + live;
}

export type LegacyCost = {
  /** CPU seconds of every process of the cluster */
  clusterCpuSeconds: number;
  /** CPU seconds of the database's backends and its slots' walsenders */
  databaseCpuSeconds: number;
  /** the most WAL the database's slots held back at a sample; undefined: no slot at any */
  walRetainedMaxBytes: number | undefined;
  /** connections to the database that ended meanwhile */
  sessions: number;
};

const sessionsOf = async (client: pg.Client, database: string) =>
  Number(
    (await client.query('SELECT sessions FROM pg_stat_database WHERE datname = $1', [database]))
      .rows[0].sessions,
  );

/**
 * Watches the legacy cluster of `dataDir` from now until `stop()`, which returns what was spent
 * meanwhile. The slots are read on one connection (to `adminUrl`, another database) kept open,
 * so that sampling starts no backend a second.
 */
export async function watchLegacyCost(options: {
  dataDir: string;
  adminUrl: string;
  database: string;
}): Promise<{ stop: () => Promise<LegacyCost> }> {
  const postmaster = postmasterOf(options.dataDir);
  const client = new pg.Client({ connectionString: options.adminUrl });
  await client.connect();
  const sessionsBefore = await sessionsOf(client, options.database);
  const clusterBefore = clusterTicks(postmaster);
  const backends = watchBackends(postmaster, ` ${options.database} `);
  const slots = watchSlots(client, options.database, backends.include);
  const timers = [
    setInterval(backends.sample, SAMPLE_MS),
    setInterval(() => void slots.sample(), SLOT_SAMPLE_MS),
  ];
  await slots.sample();
  return {
    async stop() {
      timers.forEach(clearInterval);
      await slots.sample();
      backends.sample();
      const clusterCpuSeconds = (clusterTicks(postmaster) - clusterBefore) / TICKS_PER_SECOND;
      const sessions = (await sessionsOf(client, options.database)) - sessionsBefore;
      await client.end();
      return {
        sessions,
        clusterCpuSeconds,
        databaseCpuSeconds: backends.spentTicks() / TICKS_PER_SECOND,
        walRetainedMaxBytes: slots.mostRetained(),
      };
    },
  };
}

/**
 * The CPU ticks of the postmaster's children whose title holds `marker` (a backend's title names
 * its database) or that were included by pid: per pid, the last reading less the first (nothing,
 * for one born after the first sample).
 */
function watchBackends(postmaster: number, marker: string) {
  const included = new Set<number>();
  const seen = new Map<number, { first: number; last: number }>();
  let firstSample = true;
  const sample = () => {
    for (const pid of childrenOf(postmaster)) {
      if (!included.has(pid) && !seen.has(pid) && !processTitle(pid).includes(marker)) continue;
      const ticks = cpuTicks(pid)?.own;
      if (ticks === undefined) continue;
      const known = seen.get(pid);
      if (known) known.last = ticks;
      else seen.set(pid, { first: firstSample ? ticks : 0, last: ticks });
    }
    firstSample = false;
  };
  sample();
  return {
    sample,
    include: (pid: number) => included.add(pid),
    spentTicks: () => [...seen.values()].reduce((sum, t) => sum + t.last - t.first, 0),
  };
}

/** The WAL the database's slots hold back, and their walsenders (whose titles name no database). */
function watchSlots(client: pg.Client, database: string, walsender: (pid: number) => void) {
  let most: number | undefined;
  let failure: unknown;
  let pending = Promise.resolve();
  const sampleOnce = async () => {
    try {
      const { rows } = await client.query(
        `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint AS held, active_pid
        FROM pg_replication_slots WHERE database = $1`,
        [database],
      );
      for (const row of rows) {
        if (row.held !== null) most = Math.max(most ?? 0, Number(row.held));
        if (row.active_pid !== null) walsender(Number(row.active_pid));
      }
    } catch (error) {
      failure ??= error; // thrown by mostRetained(), not as an unhandled rejection mid-run
    }
  };
  return {
    // one query at a time on the one connection
    sample: () => (pending = pending.then(sampleOnce)),
    mostRetained: () => {
      if (failure) throw failure;
      return most;
    },
  };
}

/** Bytes of a topic's log segments in the broker's log directory (`<home>/kafka/data`). */
export function topicBytes(ficusHome: string, topic: string): number {
  const logDir = path.join(ficusHome, 'kafka', 'data');
  const isPartitionOf = (dir: string) =>
    dir.startsWith(`${topic}-`) && /^\d+$/.test(dir.slice(topic.length + 1));
  return fs
    .readdirSync(logDir)
    .filter(isPartitionOf)
    .flatMap((d) =>
      fs
        .readdirSync(path.join(logDir, d))
        .filter((f) => f.endsWith('.log'))
        .map((f) => fs.statSync(path.join(logDir, d, f)).size),
    )
    .reduce((sum, size) => sum + size, 0);
}
