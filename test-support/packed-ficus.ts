/**
 * ficus as a user gets it: `npm pack` (which builds dist/ through prepack), the tarball installed
 * with `npm install` into a project of its own outside the repository, and `npx ficus ...` run
 * there on a chosen Node. Packing and installing take a minute the first time, so the project is
 * kept in the temp folder (one per checkout) and reused while the sources it was built from are
 * unchanged: every suite of a test run, and the next run, share it.
 *
 * @example
 *   const ficus = await installedFicus();
 *   const node = await nodeForInstalledTests();
 *   const result = await ficus.run(['--help'], { node });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../lib/package-paths.ts';
import { sleep } from '../lib/wait.ts';

export type CommandResult = { code: number; stdout: string; stderr: string };

export type RunOptions = {
  /** path of the node binary that runs `npx ficus`; default the project's Node 24 */
  node?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** where to run (default the installed project); a folder below it finds the package too */
  cwd?: string;
  /** leave out every FICUS_* variable of the test's own environment (a user's clean shell) */
  withoutFicusVariables?: boolean;
};

export type InstalledFicus = {
  /** the temporary project that has ficus installed from the tarball */
  projectDir: string;
  /** `npx ficus <args>` in that project */
  run(args: string[], options?: RunOptions): Promise<CommandResult>;
  /**
   * `npx ficus <args>` as a long-running child process (a worker under a supervisor), leading a
   * process group of its own: signal it with `process.kill(-child.pid, signal)`, which reaches
   * npx and the ficus process under it.
   */
  start(args: string[], options?: RunOptions): ChildProcess;
};

/** What goes into the package: a change to any of these makes a new tarball. */
const BUILD_INPUTS = [
  'bin',
  'cli',
  'lib',
  'stack',
  'monolith',
  'extracted',
  'proxy',
  'cdc',
  'rollout',
  'migrations',
  'plan',
  'walkthrough',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
];

const PROJECT_DIR = path.join(
  os.tmpdir(),
  `ficus-installed-${crypto.createHash('sha256').update(PACKAGE_ROOT).digest('hex').slice(0, 8)}`,
);
const STAMP_FILE = path.join(PROJECT_DIR, '.ficus-sources');
const NODE_22_DIR = path.join(os.tmpdir(), 'ficus-node22');

let installed: Promise<InstalledFicus> | undefined;

/** ficus packed from this checkout and installed into a temporary project (built at most once). */
export function installedFicus(): Promise<InstalledFicus> {
  installed ??= withLock(`${PROJECT_DIR}.lock`, async () => {
    const stamp = sourcesFingerprint();
    if (readIfExists(STAMP_FILE) !== stamp) await packAndInstall(stamp);
    return {
      projectDir: PROJECT_DIR,
      run: (args, options) => runNpxFicus(args, options),
      start: (args, options = {}) =>
        spawn('npx', ['--no-install', 'ficus', ...args], {
          cwd: options.cwd ?? PROJECT_DIR,
          env: npxEnvironment(options),
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        }),
    };
  });
  return installed;
}

/**
 * The oldest Node ficus supports (22), installed from npm into the temp folder once; Node 24 of
 * the project when npm cannot install it (say so in the test's output).
 */
export async function nodeForInstalledTests(): Promise<{ node: string; version: string }> {
  const node22 = path.join(NODE_22_DIR, 'node_modules', '.bin', 'node');
  if (!fs.existsSync(node22)) {
    await withLock(`${NODE_22_DIR}.lock`, async () => {
      if (fs.existsSync(node22)) return;
      fs.mkdirSync(NODE_22_DIR, { recursive: true });
      const npm = ['install', '--prefix', NODE_22_DIR, '--no-audit', '--no-fund', 'node@22'];
      const result = await command('npm', [...npm, '--prefer-offline'], { cwd: NODE_22_DIR });
      if (result.code !== 0) console.warn(`cannot install node@22 (${result.stderr.trim()})`);
    });
  }
  const node = fs.existsSync(node22) ? node22 : path.join(PACKAGE_ROOT, 'node_modules/.bin/node');
  const version = (await command(node, ['--version'])).stdout.trim();
  return { node, version };
}

async function packAndInstall(stamp: string): Promise<void> {
  fs.rmSync(STAMP_FILE, { force: true });
  fs.mkdirSync(PROJECT_DIR, { recursive: true });
  const packageJson = path.join(PROJECT_DIR, 'package.json');
  if (!fs.existsSync(packageJson))
    fs.writeFileSync(packageJson, JSON.stringify({ name: 'uses-ficus', private: true }) + '\n');
  const pack = await command('npm', ['pack', '--json', '--pack-destination', PROJECT_DIR], {
    cwd: PACKAGE_ROOT,
  });
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const [{ filename }] = JSON.parse(pack.stdout) as { filename: string }[];
  const install = await command(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${filename}`],
    { cwd: PROJECT_DIR },
  );
  if (install.code !== 0) throw new Error(`npm install ${filename} failed:\n${install.stderr}`);
  fs.writeFileSync(STAMP_FILE, stamp);
}

/**
 * A user's shell: the chosen Node first on PATH (npx itself runs on it), none of the npm_*
 * variables of the npm script that may have started the tests.
 */
function npxEnvironment(options: RunOptions): NodeJS.ProcessEnv {
  const node = options.node ?? path.join(PACKAGE_ROOT, 'node_modules/.bin/node');
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !name.startsWith('npm_') && !(options.withoutFicusVariables && name.startsWith('FICUS_')),
    ),
  );
  env.PATH = `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}`;
  return { ...env, ...options.env };
}

function runNpxFicus(args: string[], options: RunOptions = {}): Promise<CommandResult> {
  return command('npx', ['--no-install', 'ficus', ...args], {
    cwd: options.cwd ?? PROJECT_DIR,
    env: npxEnvironment(options),
    timeoutMs: options.timeoutMs,
  });
}

export function command(
  program: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 300_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? 128,
        stdout,
        stderr: signal ? `${stderr}(killed: ${signal})` : stderr,
      }),
    );
  });
}

/** A hash of every file that goes into the package (tests included: cheap and safe). */
function sourcesFingerprint(): string {
  const hash = crypto.createHash('sha256');
  const add = (relative: string) => {
    const full = path.join(PACKAGE_ROOT, relative);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory()) {
      for (const entry of fs.readdirSync(full).sort()) add(path.join(relative, entry));
      return;
    }
    hash.update(relative).update('\0').update(fs.readFileSync(full)).update('\0');
  };
  BUILD_INPUTS.forEach(add);
  return hash.digest('hex');
}

function readIfExists(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
}

/**
 * Runs `work` holding a lock directory, so that the suites of one run (separate jest workers)
 * do not pack or install at the same time. A lock older than ten minutes is a crashed run's.
 */
async function withLock<T>(lock: string, work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
      if (age > 600_000) fs.rmSync(lock, { recursive: true, force: true });
      else await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
