/**
 * What the embedded stack needs on the machine, checked before anything starts: a JDK 17+,
 * Maven, and PostgreSQL server binaries. Each missing part is named with how to install it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PrerequisiteError } from '../lib/errors.ts';

export type Toolchain = { java: string; mvn: string; pgBin: string };

/** Both output streams of a command (java -version writes to stderr), or undefined if it is not there. */
function output(command: string, args: string[]): string | undefined {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error) return undefined;
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}

function javaMajor(): number | undefined {
  const text = output('java', ['-version']);
  const match = text?.match(/version "(\d+)(?:\.(\d+))?/);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/** Newest PostgreSQL server binaries: $FICUS_PG_BIN, `pg_config --bindir`, or /usr/lib/postgresql/N/bin. */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates: string[] = [];
  if (env.FICUS_PG_BIN) candidates.push(env.FICUS_PG_BIN);
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    const versions = fs
      .readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(root, v, 'bin')));
  }
  const bindir = output('pg_config', ['--bindir'])?.trim();
  if (bindir) candidates.push(bindir);
  return candidates.find(
    (dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')),
  );
}

export function checkPrerequisites(): Toolchain {
  const missing: string[] = [];
  const major = javaMajor();
  if (major === undefined)
    missing.push('a JDK 17 or newer (`java` not found): apt-get install openjdk-17-jdk-headless');
  else if (major < 17)
    missing.push(
      `a JDK 17 or newer (found Java ${major}): apt-get install openjdk-17-jdk-headless`,
    );
  if (output('mvn', ['-v']) === undefined)
    missing.push('Apache Maven (`mvn` not found): apt-get install maven');
  const pgBin = findPostgresBin();
  if (!pgBin)
    missing.push(
      'PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql (or set FICUS_PG_BIN)',
    );
  if (missing.length) {
    throw new PrerequisiteError(`the embedded stack needs:\n  - ${missing.join('\n  - ')}`);
  }
  return { java: 'java', mvn: 'mvn', pgBin: pgBin! };
}
