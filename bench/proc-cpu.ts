/**
 * CPU a peer of the proxy bench has spent so far, read from the outside in /proc (Linux only), so
 * that measuring costs the peer nothing: utime + stime of the process and of each of its threads,
 * summed over the process and its children (nginx's workers are children of its master).
 * Sampled before and after a measured window; the difference over the requests of the window is
 * the CPU per request. Threads by kind: the process's main thread (`main`; for a node peer the
 * event loop serving clients), node's worker threads (`mirror`: in ficus, the mirror workers) and
 * the rest (`other`: V8's GC helpers, libuv's pool). `whole` is the process's own count, which
 * also keeps the time of threads that have ended.
 */
import fs from 'node:fs';

export type CpuSample = { main: number; mirror: number; other: number; whole: number };
export type CpuKind = keyof CpuSample;
export const CPU_KINDS: CpuKind[] = ['main', 'mirror', 'other', 'whole'];

/** /proc counts in clock ticks of 1/100 s on Linux (USER_HZ; `getconf CLK_TCK`) */
export const TICK_MS = 10;

/**
 * A process's or thread's stat file (`/proc/<pid>/stat`, `/proc/<pid>/task/<tid>/stat`): its
 * command name, and the fields after it, from `state` (field 3), so that utime and stime are
 * `fields[11]` and `fields[12]`, cutime and cstime `fields[13]` and `fields[14]`; undefined when it
 * has ended. The name may hold spaces and parentheses: the fields start after the last `)`.
 */
export function readStat(statPath: string): { comm: string; fields: string[] } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(statPath, 'utf8');
  } catch {
    return undefined; // ended meanwhile
  }
  return {
    comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    fields: stat.slice(stat.lastIndexOf(')') + 2).split(' '),
  };
}

function ticksOf(statPath: string): { comm: string; ms: number } | undefined {
  const stat = readStat(statPath);
  if (!stat) return undefined;
  return { comm: stat.comm, ms: (Number(stat.fields[11]) + Number(stat.fields[12])) * TICK_MS };
}

const list = (dir: string) => {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
};

function processTree(pid: number): number[] {
  const children = list(`/proc/${pid}/task`).flatMap((tid) => {
    try {
      return fs
        .readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .split(' ')
        .filter(Boolean);
    } catch {
      return [];
    }
  });
  return [pid, ...children.flatMap((child) => processTree(Number(child)))];
}

/** CPU ms spent so far by `pid` and its children, by kind of thread; zeros if none is there */
export function sampleCpu(pid: number): CpuSample {
  const sample: CpuSample = { main: 0, mirror: 0, other: 0, whole: 0 };
  for (const process of processTree(pid)) {
    sample.whole += ticksOf(`/proc/${process}/stat`)?.ms ?? 0;
    for (const tid of list(`/proc/${process}/task`)) {
      const thread = ticksOf(`/proc/${process}/task/${tid}/stat`);
      if (!thread) continue;
      const kind =
        Number(tid) === process ? 'main' : thread.comm === 'WorkerThread' ? 'mirror' : 'other';
      sample[kind] += thread.ms;
    }
  }
  return sample;
}

export const cpuSince = (before: CpuSample, after: CpuSample): CpuSample => ({
  main: after.main - before.main,
  mirror: after.mirror - before.mirror,
  other: after.other - before.other,
  whole: after.whole - before.whole,
});
