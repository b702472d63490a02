/**
 * The proxy's benchmark, peers side by side in one run: the upstream directly, bare
 * http-proxy-middleware, nginx as a reverse proxy (Debian package `nginx-light` or `nginx`; our
 * own config on a loopback port; left out when not installed), ficus in `legacy`, in `shadow`
 * (reads mirrored to a second upstream and compared; comparisons recorded in a fresh kit DB clone
 * when the stack is up, unless `--no-kit-db`) and in `canary` at 50% (half the users' reads
 * served by the service, the other half mirrored).
 *
 * Two loads, each in rounds that take every peer in turn (each round starts one peer later, so
 * that what one peer leaves behind falls on each of the others in turn): saturating (autocannon,
 * closed loop) and paced (bench/paced-load.ts, open loop at one bounded rate for every peer).
 * Around each measured window the bench reads each peer's CPU from /proc (bench/proc-cpu.ts:
 * utime + stime of the process, of its main thread and of its mirror worker threads), the mirror
 * drained before the second reading, and ficus's comparison and skip counters. It prints, per
 * peer and load, throughput and latency as before, CPU per request by kind of thread (median and
 * spread over rounds), and the share of reads the mirror compared; then the ratios the goals are
 * stated in, each per round, with the goal beside it:
 *   ficus legacy <= 1.1x bare hpm in whole-process CPU per request;
 *   ficus shadow <= 1.05x legacy in main-thread CPU per request;
 *   a mirrored read (shadow's main thread per read + worker per compared read) <= 1.3x a legacy
 *   read (legacy's main thread per read).
 * CPU per request is the figure to trust on a shared machine: latency and throughput move with
 * the neighbours (docs/decisions/0004).
 *
 * `node bench/proxy-bench.ts [--seconds 8] [--connections 32] [--rounds 3] [--rate N] [--items N]
 *   [--priority -10] [--latency-only] [--no-kit-db] [--control] [--undici]
 *   [--service-priority idle|normal]`
 * - `--items N`: answers carry N related products, ~250 B each, for a comparison of real weight
 * - `--control`: a second ficus `legacy` in the same rounds, whose figures against the first are
 *   what the machine's noise alone makes of a ratio
 * - `--undici`: a second ficus `shadow` whose mirror workers ask the upstreams with undici's
 *   `Pool` instead of the lean client (bench/undici-mirror-client.ts), and the difference of the
 *   workers' CPU per compared read (decision 0004)
 * - the mirror's bound and sampling come from the environment as for the proxy, e.g.
 *   `FICUS_PROXY_MIRROR_CONCURRENCY=32`
 * Final figures under the machine-wide lock, ahead of other work on a shared machine (figures of
 * 2026-12-06 in docs/decisions/0004):
 *   flock /work/bench.lock node bench/proxy-bench.ts --rounds 5 --seconds 4 --rate 600 \
 *     --priority -10 --undici
 *
 * The stand-in for the service runs at idle priority (SCHED_IDLE with `chrt`, else nice 19): in
 * production the service has hosts of its own, and on one small machine its CPU would otherwise
 * be charged to the proxy. `--service-priority normal` shows the cost with it competing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { pacedLoad, summarise } from './paced-load.ts';
import { cpuSince, sampleCpu } from './proc-cpu.ts';
import {
  byRound,
  comparedShare,
  mirrorPerCompared,
  peerLines,
  perRequest,
  ratioLine,
  type PeerWindows,
  type Window,
} from './proxy-bench-report.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const seconds = arg('seconds', 8);
const connections = arg('connections', 32);
const rounds = arg('rounds', 3);
const items = arg('items', 0);
// On a machine shared with other work, `--priority -10` (root) runs the bench and every peer it
// starts ahead of that work, alike for all peers: what is measured is then the peers, not the
// neighbours.
const priority = flag('priority') ? arg('priority', 0) : undefined;
if (priority !== undefined) os.setPriority(priority);
const withKitDb = !flag('no-kit-db');
/** `--latency-only` (with `--rate`): skip the saturating runs, e.g. to repeat the paced rounds */
const latencyOnly = flag('latency-only');
const withControl = flag('control');
const withUndici = flag('undici');
const serviceIdle =
  !flag('service-priority') ||
  process.argv[process.argv.indexOf('--service-priority') + 1] !== 'normal';
const children: ChildProcess[] = [];

type Child = { port: number; nextLine(): Promise<string>; child: ChildProcess };
/** A peer under load: `pid` when its CPU is measured, `ficus` when it reports counters. */
type Peer = { name: string; port: number; pid?: number; ficus?: Child };

function startChild(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Child> {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines = readline.createInterface({ input: child.stdout! });
  const nextLine = () => new Promise<string>((resolve) => lines.once('line', resolve));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    void nextLine().then((line) => resolve({ port: JSON.parse(line).port, nextLine, child }));
  });
}

type Counters = {
  comparisons: Record<string, number>;
  skips: Record<string, number>;
  inFlight: number;
};

/** A ficus peer's counters so far (see the servers file). */
async function countersOf(peer: Child): Promise<Counters> {
  const line = peer.nextLine();
  peer.child.kill('SIGUSR2');
  return JSON.parse(await line).loop;
}

const node = process.execPath;
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --no-deprecation`.trim();
const servers = path.join(REPO_ROOT, 'bench', 'proxy-bench-servers.ts');

async function startNginx(upstreamPort: number): Promise<Peer | undefined> {
  const binary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p));
  if (!binary) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-bench-nginx-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host $host; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`,
  );
  const child = spawn(
    binary,
    ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { stdio: 'inherit' },
  );
  children.push(child);
  for (let i = 0; i < 50; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/api/products/1`);
      // the master process; its worker is a child of it, counted with it (proc-cpu.ts)
      return { name: 'nginx', port, pid: child.pid };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return undefined;
}

const requests = Array.from({ length: 100 }, (_, i) => ({
  method: 'GET',
  path: `/api/products/${i + 1}`,
  headers: { 'x-user-id': `u${i}` },
}));

const saturate = (port: number, duration: number) =>
  autocannon({ url: `http://127.0.0.1:${port}`, connections, duration, requests });
const paced = (port: number, rate: number, secs: number) =>
  pacedLoad({ url: `http://127.0.0.1:${port}`, rate, seconds: secs, requests, connections });
/**
 * The list starting `round` places later: what one peer leaves behind (the shadow's last
 * comparisons, their rows in the kit DB) falls on each of the others in turn, not always on the
 * one after it.
 */
const rotated = <T>(list: T[], round: number) => [
  ...list.slice(round % list.length),
  ...list.slice(0, round % list.length),
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (counts: Record<string, number>, ...outcomes: string[]) =>
  outcomes.reduce((n, outcome) => n + (counts[outcome] ?? 0), 0);

/** Until the mirror has concluded every read it took (at most 5 s): its work counts too. */
async function drained(peer: Child): Promise<Counters> {
  await sleep(100);
  for (let i = 0; ; i++) {
    const counters = await countersOf(peer);
    if (!counters.inFlight || i >= 50) return counters;
    await sleep(100);
  }
}

/**
 * One measured window: the load, with the peer's CPU read before and after, the mirror drained.
 * The counters' last reading comes after the CPU's, so that asking for them is not counted.
 */
async function measured(
  peer: Peer,
  load: () => Promise<Pick<Window, 'requests' | 'saturating' | 'paced'>>,
): Promise<Window> {
  const before = peer.ficus && (await countersOf(peer.ficus));
  const cpuBefore = peer.pid ? sampleCpu(peer.pid) : undefined;
  const window = await load();
  const after = peer.ficus ? await drained(peer.ficus) : void (await sleep(100));
  const cpu = peer.pid ? cpuSince(cpuBefore!, sampleCpu(peer.pid)) : undefined;
  if (!before || !after) return { ...window, cpu };
  // compared: both sides answered (`converged` is a mismatch that matched on its recheck, also
  // counted as `match`); `error`: a side did not answer in time, nothing was compared
  const since = (...outcomes: string[]) =>
    count(after.comparisons, ...outcomes) - count(before.comparisons, ...outcomes);
  const compared = since('match', 'mismatch');
  const skips = Object.fromEntries(
    Object.entries(after.skips).map(([reason, n]) => [reason, n - (before.skips[reason] ?? 0)]),
  );
  if (since('error')) skips['failed comparison'] = since('error');
  return { ...window, cpu, compared, skips };
}

const saturatingWindow = (peer: Peer) =>
  measured(peer, async () => {
    const run = await saturate(peer.port, seconds);
    return { requests: run.requests.total, saturating: run };
  });
const pacedWindow = (peer: Peer, rate: number) =>
  measured(peer, async () => {
    const sample = await paced(peer.port, rate, seconds);
    return { requests: sample.latencies.length + sample.errors, paced: sample };
  });

/** Every peer in every round, each round starting one peer later; after one warm-up each. */
async function inRounds(
  peers: Peer[],
  warmUp: (peer: Peer) => Promise<unknown>,
  window: (peer: Peer) => Promise<Window>,
): Promise<PeerWindows[]> {
  for (const peer of peers) await warmUp(peer);
  const windows = peers.map((): Window[] => []);
  for (let round = 0; round < rounds; round++)
    for (const [i, peer] of rotated([...peers.entries()], round))
      windows[i].push(await window(peer));
  return peers.map((peer, i) => ({ name: peer.name, windows: windows[i] }));
}

async function kitDbForBench(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  try {
    const { createTestDatabase } = await import('../test-support/databases.ts');
    const db = await createTestDatabase({ cluster: 'services', template: 'kit' });
    return { url: db.url, drop: db.drop };
  } catch {
    return undefined;
  }
}

/** The service stand-in, at idle priority unless asked otherwise (see the head comment). */
async function startService(): Promise<number> {
  const args = [servers, 'upstream', 'service', String(items)];
  if (!serviceIdle) return (await startChild(node, args)).port;
  const chrt = ['/usr/bin/chrt', '/bin/chrt'].find((p) => fs.existsSync(p));
  const child = chrt
    ? await startChild(chrt, ['--idle', '0', node, ...args])
    : await startChild('nice', ['-n', '19', node, ...args]);
  return child.port;
}

/** The ratios the goals are stated in, per round of one load. */
function goalLines(load: string, results: PeerWindows[]): string {
  const get = (name: string) => results.find((r) => r.name === name);
  const hpm = get('bare http-proxy-middleware');
  const legacy = get('ficus legacy');
  const shadow = get('ficus shadow');
  if (!legacy || !shadow) return '';
  const over = (x: number, y: number) => x / y;
  const legacyMain = perRequest(legacy, 'main');
  let out = `\nthe goals, ${load} (CPU per request, ratios per round: median [min-max]):\n`;
  if (hpm)
    out += ratioLine(
      'ficus legacy / bare hpm, whole process',
      byRound(perRequest(legacy, 'whole'), perRequest(hpm, 'whole'), over),
      '(goal <= 1.10)',
    );
  out += ratioLine(
    'ficus shadow / legacy, main thread',
    byRound(perRequest(shadow, 'main'), legacyMain, over),
    '(goal <= 1.05)',
  );
  const mirrored = byRound(perRequest(shadow, 'main'), mirrorPerCompared(shadow), (a, b) => a + b);
  out += ratioLine(
    'a mirrored read (shadow main per read + worker per compared) / legacy main',
    byRound(mirrored, legacyMain, over),
    '(goal <= 1.30)',
  );
  const whole = perRequest(legacy, 'whole');
  for (const peer of [shadow, get('ficus canary 50')])
    if (peer)
      out += ratioLine(
        `${peer.name} / legacy, whole process per read`,
        byRound(perRequest(peer, 'whole'), whole, over),
        '(no goal)',
      );
  out += ratioLine('shadow: reads compared by the mirror', comparedShare(shadow), '');
  const control = get('ficus legacy (control)');
  if (control)
    out += ratioLine(
      'control: ficus legacy (2nd) / legacy, main thread',
      byRound(perRequest(control, 'main'), legacyMain, over),
      '(the noise alone)',
    );
  const undici = get('ficus shadow, undici');
  if (undici)
    out += ratioLine(
      'mirror worker µs per compared read: undici - lean client',
      byRound(mirrorPerCompared(undici), mirrorPerCompared(shadow), (a, b) => a - b),
      '(undici replaces the lean client if <= 10 µs)',
      0,
    );
  return out;
}

async function main() {
  const up = (p: number) => `http://127.0.0.1:${p}`;
  const monolith = (await startChild(node, [servers, 'upstream', 'monolith', String(items)])).port;
  const service = await startService();
  const kit = withKitDb ? await kitDbForBench() : undefined;
  const env = { ...process.env, BENCH_KIT_DB_URL: kit?.url ?? '' };
  const hpm = await startChild(node, [servers, 'hpm', up(monolith)]);
  const ficus = async (name: string, stage: string, percent = 0, client = 'lean') => {
    const child = await startChild(
      node,
      [servers, 'ficus', stage, up(monolith), up(service), String(percent), client],
      env,
    );
    return { name, port: child.port, pid: child.child.pid, ficus: child };
  };
  const nginx = await startNginx(monolith);
  const peers: Peer[] = [
    { name: 'upstream directly', port: monolith },
    { name: 'bare http-proxy-middleware', port: hpm.port, pid: hpm.child.pid },
    ...(nginx ? [nginx] : []),
    await ficus('ficus legacy', 'legacy'),
    await ficus('ficus shadow', 'shadow'),
    await ficus('ficus canary 50', 'canary', 50),
    ...(withControl ? [await ficus('ficus legacy (control)', 'legacy')] : []),
    ...(withUndici ? [await ficus('ficus shadow, undici', 'shadow', 0, 'undici')] : []),
  ];
  if (!nginx) process.stdout.write("nginx: not available (install Debian's nginx-light)\n");
  const write = (text: string) => process.stdout.write(text);

  let rate = arg('rate', 500);
  if (!latencyOnly) {
    write(`saturating load (${connections} connections, ${rounds} rounds of ${seconds} s):\n`);
    const results = await inRounds(peers, (p) => saturate(p.port, 2), saturatingWindow);
    write(peerLines(results));
    const throughput = (name: string) =>
      results.find((r) => r.name === name)!.windows.map((w) => w.saturating!.requests.average);
    const hpmRps = throughput('bare http-proxy-middleware');
    // A quarter of what bare hpm sustains: a load every peer, shadow included, carries without
    // queueing on a small machine, so latency shows what the proxy adds rather than the queue.
    if (!flag('rate')) rate = Math.round((hpmRps.reduce((a, b) => a + b) / hpmRps.length) * 0.25);
    write(goalLines('saturating', results));
    write(
      ratioLine(
        'ficus legacy / bare hpm, throughput',
        byRound(throughput('ficus legacy'), hpmRps, (a, b) => a / b),
        '(goal >= 0.90)',
      ),
    );
  }

  write(
    `\npaced load (${rate} req/s, open loop, ${rounds} rounds of ${seconds} s, service stand-in at ${serviceIdle ? 'idle' : 'normal'} priority):\n`,
  );
  const results = await inRounds(
    peers,
    (p) => paced(p.port, rate, 2),
    (p) => pacedWindow(p, rate),
  );
  write(peerLines(results));
  write(goalLines('paced', results));
  const p99 = (name: string) =>
    results.find((r) => r.name === name)?.windows.map((w) => summarise([w.paced!]).p99) ?? [];
  write(
    ratioLine(
      'ficus shadow / legacy, client p99 (not a goal here: decision 0004)',
      byRound(p99('ficus shadow'), p99('ficus legacy'), (a, b) => a / b),
      '',
    ),
  );
  write(
    `\n(${os.cpus().length} cores shared by the load generator, the proxies and the upstreams)\n`,
  );
  await kit?.drop();
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGTERM');
}
