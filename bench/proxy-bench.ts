/**
 * The proxy's benchmark, peers side by side in one run: the upstream directly, bare
 * http-proxy-middleware, nginx as a reverse proxy (Debian package, our own config on a loopback
 * port), ficus in `legacy` and ficus in `shadow` (reads mirrored to a second upstream and
 * compared; comparisons recorded in a fresh kit DB clone when the stack is up, unless
 * `--no-kit-db`). Throughput is saturating load with autocannon. Latency is an open-loop paced
 * load (bench/paced-load.ts) at one bounded rate for every peer, with a warm-up; legacy and
 * shadow, the pair the goal compares, are measured in alternating rounds so that a change in the
 * shared machine's load falls on both alike, and their samples pooled for p99 (throughput too is
 * measured in rounds; each round starts one peer later). Prints requests/s, p50/p99 and the
 * ratios the goals are stated in:
 *   ficus legacy >= 0.9x bare hpm throughput; client p99 in shadow <= 1.1x legacy.
 * `node bench/proxy-bench.ts [--seconds 8] [--connections 32] [--rounds 3] [--rate N] [--items N]
 *   [--priority -10] [--latency-only] [--no-kit-db] [--control] [--service-priority idle|normal]`
 * (`--items N`: answers carry N related products, ~250 B each, for a comparison of real weight;
 * `--control`: a second ficus `legacy` in the same rounds, whose p99 against the first is what
 * the machine's noise alone makes of the ratio)
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
import autocannon, { type Result as SaturatingRun } from 'autocannon';
import { pacedLoad, summarise, type LatencySample } from './paced-load.ts';
import { REPO_ROOT } from '../stack/stack-config.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const seconds = arg('seconds', 8);
const connections = arg('connections', 32);
const rounds = arg('rounds', 3);
const items = arg('items', 0);
// On a machine shared with other work, `--priority -10` (root) runs the bench and every peer it
// starts ahead of that work, alike for all peers: what is measured is then the peers, not the
// neighbours. The mirror worker still lowers itself below everything.
const priority = process.argv.includes('--priority') ? arg('priority', 0) : undefined;
if (priority !== undefined) os.setPriority(priority);
const withKitDb = !process.argv.includes('--no-kit-db');
/** `--latency-only` (with `--rate`): skip the saturating runs, e.g. to repeat the latency rounds */
const latencyOnly = process.argv.includes('--latency-only');
const withControl = process.argv.includes('--control');
const serviceIdle =
  !process.argv.includes('--service-priority') ||
  process.argv[process.argv.indexOf('--service-priority') + 1] !== 'normal';
const children: ChildProcess[] = [];

type Peer = { port: number; nextLine(): Promise<string>; child: ChildProcess };
type Side = 'legacy' | 'shadow' | 'control';

function startPeer(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Peer> {
  const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  const lines = readline.createInterface({ input: child.stdout! });
  const nextLine = () => new Promise<string>((resolve) => lines.once('line', resolve));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    void nextLine().then((line) => resolve({ port: JSON.parse(line).port, nextLine, child }));
  });
}
const start = async (command: string, args: string[], env?: NodeJS.ProcessEnv) =>
  (await startPeer(command, args, env)).port;

type LoopReport = {
  cpuMs: Record<string, number>;
  busy: number;
  delayP99Ms: number;
  delayMaxMs: number;
  comparisons: Record<string, number>;
  skips: Record<string, number>;
};

/** What a ficus peer's event loop went through since it was last asked (see the servers file). */
async function loopOf(peer: Peer): Promise<LoopReport> {
  const line = peer.nextLine();
  peer.child.kill('SIGUSR2');
  return JSON.parse(await line).loop;
}

const node = process.execPath;
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --no-deprecation`.trim();
const servers = path.join(REPO_ROOT, 'bench', 'proxy-bench-servers.ts');

async function startNginx(upstreamPort: number): Promise<number | undefined> {
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
      return port;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return undefined;
}

type Result = {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** requests/s of each round */
  rounds: number[];
};

const requests = Array.from({ length: 100 }, (_, i) => ({
  method: 'GET',
  path: `/api/products/${i + 1}`,
  headers: { 'x-user-id': `u${i}` },
}));

const saturate = (port: number, duration: number) =>
  autocannon({ url: `http://127.0.0.1:${port}`, connections, duration, requests });
const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
/**
 * The list starting `round` places later: what one peer leaves behind (the shadow's last
 * comparisons, their rows in the kit DB) falls on each of the others in turn, not always on the
 * one after it.
 */
const rotated = <T>(list: T[], round: number) => [
  ...list.slice(round % list.length),
  ...list.slice(0, round % list.length),
];

/**
 * Saturating load: how many requests per second each peer sustains, in rounds that take every
 * peer in turn, so that a change in the shared machine's speed falls on all of them alike (one
 * sample each read anywhere from 0.76x to 1.21x for the same legacy/hpm pair).
 */
async function throughputRounds(peers: [string, number][]): Promise<Result[]> {
  for (const [, port] of peers) await saturate(port, 2); // warm-up
  const runs = peers.map((): SaturatingRun[] => []);
  for (let round = 0; round < rounds; round++)
    for (const [i, [, port]] of rotated([...peers.entries()], round))
      runs[i].push(await saturate(port, seconds));
  return peers.map(([name], i) => ({
    name,
    rps: runs[i].reduce((sum, r) => sum + r.requests.average, 0) / rounds,
    p50: median(runs[i].map((r) => r.latency.p50)),
    p99: median(runs[i].map((r) => r.latency.p99)),
    errors: runs[i].reduce((sum, r) => sum + r.errors + r.non2xx + r.timeouts, 0),
    rounds: runs[i].map((r) => r.requests.average),
  }));
}

/** The same paced rate for every peer: the latency a client sees below saturation. */
async function paced(port: number, rate: number, secs: number): Promise<LatencySample> {
  return pacedLoad({ url: `http://127.0.0.1:${port}`, rate, seconds: secs, requests, connections });
}

const ms = (n: number) => n.toFixed(2).padStart(6);
const latencyLine = (name: string, samples: LatencySample[]) => {
  const s = summarise(samples);
  return `${name.padEnd(28)} ${String(s.count).padStart(6)} reqs   p50 ${ms(s.p50)} ms   p99 ${ms(s.p99)} ms   p99.9 ${ms(s.p999)} ms   errors ${s.errors}   generator late ${s.late}\n`;
};
const cpuPerRequest = (l: LoopReport, requests: number) =>
  Object.entries(l.cpuMs)
    .map(([thread, ms]) => `${thread} ${((ms * 1000) / requests).toFixed(0)}`)
    .join(' ');
const loopLine = (name: string, l: LoopReport, requests: number) =>
  `${name.padEnd(28)} event loop busy ${(100 * l.busy).toFixed(0).padStart(3)}%   delay p99 ${ms(l.delayP99Ms)} ms   CPU µs/request: ${cpuPerRequest(l, requests)}   comparisons ${JSON.stringify(l.comparisons)}   mirror skips ${JSON.stringify(l.skips)}\n`;

const line = (r: Result) =>
  `${r.name.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   errors ${r.errors}\n`;

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
  if (!serviceIdle) return start(node, args);
  const chrt = ['/usr/bin/chrt', '/bin/chrt'].find((p) => fs.existsSync(p));
  return chrt
    ? start(chrt, ['--idle', '0', node, ...args])
    : start('nice', ['-n', '19', node, ...args]);
}

async function main() {
  const monolith = await start(node, [servers, 'upstream', 'monolith', String(items)]);
  const service = await startService();
  const up = (p: number) => `http://127.0.0.1:${p}`;
  const kit = withKitDb ? await kitDbForBench() : undefined;
  const env = { ...process.env, BENCH_KIT_DB_URL: kit?.url ?? '' };
  const peers: [string, number | undefined][] = [
    ['upstream directly', monolith],
    ['bare http-proxy-middleware', await start(node, [servers, 'hpm', up(monolith)])],
    ['nginx', await startNginx(monolith)],
  ];
  const ficusPeer = (stage: string) =>
    startPeer(node, [servers, 'ficus', stage, up(monolith), up(service)], env);
  const ficus: Partial<Record<Side, Peer>> = {
    legacy: await ficusPeer('legacy'),
    shadow: await ficusPeer('shadow'),
    ...(withControl ? { control: await ficusPeer('legacy') } : {}),
  };
  const sides = Object.keys(ficus) as Side[];
  peers.push(['ficus legacy', ficus.legacy!.port], ['ficus shadow', ficus.shadow!.port]);
  process.stdout.write(
    `throughput (saturating, ${connections} connections, ${rounds} rounds of ${seconds} s each):\n`,
  );
  for (const [name, port] of peers)
    if (port === undefined)
      process.stdout.write(`${name}: not available (install Debian's nginx package)\n`);
  const available = peers.filter((p): p is [string, number] => p[1] !== undefined);
  const results = latencyOnly ? [] : await throughputRounds(available);
  for (const result of results) process.stdout.write(line(result));
  const get = (list: Result[], name: string) => list.find((r) => r.name === name);
  const hpm = get(results, 'bare http-proxy-middleware');
  // A quarter of what bare hpm sustains: a load every peer, shadow included, carries without
  // queueing on a small machine, so p99 shows what the proxy adds rather than the queue.
  const rate = arg('rate', Math.round((hpm?.rps ?? 2000) * 0.25));
  process.stdout.write(
    `\nlatency at a paced ${rate} req/s (open loop, evenly spaced; ${seconds} s per peer after a 2 s warm-up):\n`,
  );
  for (const [name, port] of peers) {
    if (port === undefined || name.startsWith('ficus')) continue;
    await paced(port, rate, 2);
    process.stdout.write(latencyLine(name, [await paced(port, rate, seconds)]));
  }
  const pair: Record<Side, LatencySample[]> = { legacy: [], shadow: [], control: [] };
  const loops: Record<Side, LoopReport[]> = { legacy: [], shadow: [], control: [] };
  for (const side of sides) {
    await paced(ficus[side]!.port, rate, 2);
    await loopOf(ficus[side]!);
  }
  for (let round = 0; round < rounds; round++) {
    for (const side of rotated(sides, round)) {
      pair[side].push(await paced(ficus[side]!.port, rate, seconds));
      loops[side].push(await loopOf(ficus[side]!));
    }
  }
  process.stdout.write(
    `ficus ${sides.join(', ')} in ${rounds} alternating rounds of ${seconds} s (service stand-in at ${serviceIdle ? 'idle' : 'normal'} priority):\n`,
  );
  for (const side of sides) {
    process.stdout.write(latencyLine(`ficus ${side}`, pair[side]));
    loops[side].forEach((l, i) =>
      process.stdout.write(loopLine(`  round ${i + 1}`, l, summarise([pair[side][i]]).count)),
    );
  }
  const ratio = (a: number | undefined, b: number | undefined) =>
    a && b ? (a / b).toFixed(2) : '–';
  process.stdout.write(
    `\n(${os.cpus().length} cores shared by the load generator, the proxy and the upstreams)\n`,
  );
  const perRoundLine = (perRound: number[]) =>
    `  per round: ${perRound.map((r) => r.toFixed(2)).join('x ')}x, median ${median(perRound).toFixed(2)}x\n`;
  const legacyThroughput = get(results, 'ficus legacy');
  process.stdout.write(
    `ficus legacy / bare hpm throughput:             ${ratio(legacyThroughput?.rps, hpm?.rps)}x (goal >= 0.90)\n`,
  );
  if (legacyThroughput && hpm)
    process.stdout.write(
      perRoundLine(legacyThroughput.rounds.map((rps, i) => rps / hpm.rounds[i])),
    );
  const p99Ratio = (side: Side, label: string, goal: string) => {
    const pooled = summarise(pair[side]).p99 / summarise(pair.legacy).p99;
    const perRound = pair[side].map((s, i) => summarise([s]).p99 / summarise([pair.legacy[i]]).p99);
    process.stdout.write(`${label.padEnd(47)} ${pooled.toFixed(2)}x${goal}\n`);
    process.stdout.write(perRoundLine(perRound));
  };
  p99Ratio('shadow', 'ficus shadow / legacy client p99 (paced):', ' (goal <= 1.10)');
  if (withControl)
    p99Ratio('control', 'control: ficus legacy / legacy client p99:', ' (the noise alone)');
  process.stdout.write(
    `ficus shadow / legacy client p99 (saturating):  ${ratio(get(results, 'ficus shadow')?.p99, get(results, 'ficus legacy')?.p99)}x\n`,
  );
  process.stdout.write(
    `ficus legacy / nginx throughput:                ${ratio(get(results, 'ficus legacy')?.rps, get(results, 'nginx')?.rps)}x\n`,
  );
  process.stdout.write(
    `ficus legacy / upstream directly throughput:    ${ratio(get(results, 'ficus legacy')?.rps, get(results, 'upstream directly')?.rps)}x\n`,
  );
  await kit?.drop();
}

try {
  await main();
} finally {
  for (const child of children) child.kill('SIGTERM');
}
