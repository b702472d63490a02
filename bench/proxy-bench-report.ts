/**
 * What bench/proxy-bench.ts prints: each peer's measured windows (one per round and load) as
 * throughput, latency and CPU per request by kind of thread, median and spread over the rounds,
 * and the ratios the proxy's goals are stated in, each computed within a round (the peers of one
 * round ran minutes apart at most, on the same shared machine) and then summarised over rounds.
 */
import type { Result as SaturatingRun } from 'autocannon';
import { summarise, type LatencySample } from './paced-load.ts';
import type { CpuSample } from './proc-cpu.ts';

/** One measured window of one peer: a saturating run or a paced one. */
export type Window = {
  requests: number;
  /** CPU ms the peer spent in the window, its mirror drained (undefined: not measured) */
  cpu?: CpuSample;
  /** reads compared in the window, both sides answered (ficus only) */
  compared?: number;
  /** reads not compared, by reason: the mirror's skips, and comparisons that failed */
  skips?: Record<string, number>;
  saturating?: SaturatingRun;
  paced?: LatencySample;
};

export type PeerWindows = { name: string; windows: Window[] };

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const finite = (list: number[]) => list.filter((n) => Number.isFinite(n));

/** `median [min-max]` of per-round figures, or – without any */
export function spread(list: number[], digits = 0, unit = ''): string {
  const values = finite(list);
  if (!values.length) return '–';
  const f = (n: number) => n.toFixed(digits) + unit;
  const low = Math.min(...values);
  const high = Math.max(...values);
  return `${f(median(values))} [${f(low)}-${f(high)}]`;
}

/** µs of a kind of thread per request, in each window */
export const perRequest = (p: PeerWindows, kind: keyof CpuSample) =>
  p.windows.map((w) => (w.cpu ? (w.cpu[kind] * 1000) / w.requests : NaN));
/** µs of the mirror workers per compared read, in each window */
export const mirrorPerCompared = (p: PeerWindows) =>
  p.windows.map((w) => (w.cpu && w.compared ? (w.cpu.mirror * 1000) / w.compared : NaN));
/** comparisons / reads, in each window */
export const comparedShare = (p: PeerWindows) =>
  p.windows.map((w) => (w.compared === undefined ? NaN : w.compared / w.requests));

function latencyOf(p: PeerWindows): string {
  const ms = (n: number) => n.toFixed(2).padStart(6);
  if (p.windows[0]?.saturating) {
    const runs = p.windows.map((w) => w.saturating!);
    const rps = runs.reduce((sum, r) => sum + r.requests.average, 0) / runs.length;
    const p50 = median(runs.map((r) => r.latency.p50));
    const p99 = median(runs.map((r) => r.latency.p99));
    const errors = runs.reduce((n, r) => n + r.errors + r.non2xx + r.timeouts, 0);
    return `${rps.toFixed(0).padStart(6)} req/s  p50 ${ms(p50)}  p99 ${ms(p99)}  err ${errors}`;
  }
  const s = summarise(p.windows.map((w) => w.paced!));
  return `${String(s.count).padStart(6)} reqs   p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  err ${s.errors}  late ${s.late}`;
}

export function peerLines(peers: PeerWindows[]): string {
  const head = `${''.padEnd(28)} ${'throughput / latency (ms)'.padEnd(48)} CPU µs per request, median [min-max] over rounds: main thread | mirror workers | whole process;  compared/reads\n`;
  return (
    head +
    peers
      .map((p) => {
        const cpu = (['main', 'mirror', 'whole'] as const)
          .map((kind) => spread(perRequest(p, kind)).padEnd(16))
          .join(' | ');
        const share = spread(comparedShare(p), 2);
        const skips = p.windows.reduce<Record<string, number>>((all, w) => {
          for (const [reason, n] of Object.entries(w.skips ?? {}))
            all[reason] = (all[reason] ?? 0) + n;
          return all;
        }, {});
        const skipped = Object.keys(skips).length ? `  skips ${JSON.stringify(skips)}` : '';
        return `${p.name.padEnd(28)} ${latencyOf(p).padEnd(48)} ${cpu}  ${share}${skipped}\n`;
      })
      .join('')
  );
}

/** A goal's ratio, per round, then summarised: `label  median [min-max] (goal)` */
export function ratioLine(label: string, perRound: number[], goal: string, digits = 2): string {
  const unit = digits === 2 ? 'x' : '';
  return `${label.padEnd(72)} ${spread(perRound, digits, unit).padEnd(22)} ${goal}\n`;
}

export const byRound = (a: number[], b: number[], f: (x: number, y: number) => number) =>
  a.map((x, i) => f(x, b[i]));
