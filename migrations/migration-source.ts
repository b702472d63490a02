/**
 * A knex migration source for one folder of TypeScript migrations. knex's own file loader
 * `require`s files, which cannot load `.ts`; Node 24 can `import()` them as they are, so this
 * source lists `<directory>/*.ts` (tests excluded) in name order and imports them. An installed
 * ficus runs the `.js` compiled from them in `dist/`: those are listed too, and keep the name of
 * their `.ts` source, because knex tells applied migrations by exact name (extension included)
 * and a database migrated from the checkout must count as migrated for the package.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { ConfigError } from '../lib/errors.ts';
import { sourceFileName } from '../lib/package-paths.ts';

type MigrationModule = {
  up: (knex: Knex) => Promise<unknown>;
  down?: (knex: Knex) => Promise<unknown>;
};

const isMigrationFile = (name: string) =>
  /\.[jt]s$/.test(name) && !/\.test\.[jt]s$/.test(name) && !name.endsWith('.d.ts');

/** The migration file names of a folder, in the order they run (by name). */
export function listMigrationFiles(directory: string): string[] {
  if (!fs.existsSync(directory)) throw new ConfigError(`migrations folder not found: ${directory}`);
  return fs.readdirSync(directory).filter(isMigrationFile).sort();
}

/** A hash of the names and contents of a folder's migrations: changes whenever any of them does. */
export function migrationFingerprint(directory: string): string {
  const hash = crypto.createHash('sha256');
  for (const file of listMigrationFiles(directory)) {
    hash
      .update(file)
      .update('\0')
      .update(fs.readFileSync(path.join(directory, file)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 32);
}

/**
 * The migrations of a folder, each known to knex by its name (its source's file name, see above)
 * and loaded from its file.
 */
export function createMigrationSource(directory: string): Knex.MigrationSource<string> {
  const filesByName = () =>
    new Map(
      listMigrationFiles(directory).map((file) => [
        sourceFileName(path.join(directory, file)),
        file,
      ]),
    );
  return {
    getMigrations: async () => [...filesByName().keys()],
    getMigrationName: (name) => name,
    getMigration: async (name) => {
      const file = path.join(directory, filesByName().get(name) ?? name);
      const module = (await import(pathToFileURL(file).href)) as MigrationModule;
      if (typeof module.up !== 'function') {
        throw new ConfigError(`migration ${file} does not export an up(knex) function`);
      }
      return module as Knex.Migration;
    },
  };
}
