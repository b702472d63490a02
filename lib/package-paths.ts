/**
 * Where ficus's own files are. ficus runs in two shapes (docs/decisions/0007):
 * - the source checkout: Node 24 runs the TypeScript as it is, modules and files side by side;
 * - an installed package: the modules are the JavaScript compiled into `dist/`, while the files
 *   shipped as they are (`bin/`, `plan/shop.plan.yaml`, `package.json`) sit at the package root.
 * Code that starts a module of ficus (a child process, a worker, a migration) or reads a shipped
 * file asks here instead of building paths from its own location.
 *
 * @example
 *   spawn(process.execPath, [modulePath('proxy/main.ts')]); // .../dist/proxy/main.js when compiled
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const thisFile = fileURLToPath(import.meta.url);

/** True when this is the JavaScript compiled into `dist/`; false when Node runs the `.ts` sources. */
export const RUNS_COMPILED = thisFile.endsWith('.js');

/** The folder ficus's modules are in: the checkout's root, or `dist/` of the package. */
export const CODE_ROOT = path.resolve(path.dirname(thisFile), '..');

/** The root of the package (or checkout): where `package.json`, `bin/` and `plan/` are. */
export const PACKAGE_ROOT = RUNS_COMPILED ? path.dirname(CODE_ROOT) : CODE_ROOT;

/**
 * A module (or folder of modules) of ficus, named by its source path from the checkout's root
 * ('proxy/main.ts', 'migrations/kit'): the source file, or the `.js` compiled from it.
 */
export function modulePath(source: string): string {
  return path.join(CODE_ROOT, RUNS_COMPILED ? source.replace(/\.ts$/, '.js') : source);
}

/** A file shipped as it is ('bin/ficus.js', 'plan/shop.plan.yaml'), from the package root. */
export function packagePath(relative: string): string {
  return path.join(PACKAGE_ROOT, relative);
}

/**
 * The name a file of ficus's own code has in the source checkout: `0101_x.js` compiled into
 * `dist/` is `0101_x.ts`, so that records keyed by file name (knex's list of applied migrations)
 * are the same for both shapes. Any file outside the compiled code keeps its name.
 */
export function sourceFileName(file: string): string {
  const compiled = RUNS_COMPILED && !path.relative(CODE_ROOT, file).startsWith('..');
  const name = path.basename(file);
  return compiled ? name.replace(/\.js$/, '.ts') : name;
}

/** ficus's version, as its package.json says (reported by sync workers and proxies in the kit DB). */
export function packageVersion(): string {
  const file = packagePath('package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}
