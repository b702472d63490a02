/**
 * Runs one folder of knex migrations (`migrations/<set>`) against one database, one migration at
 * a time so that progress can name each one and a failure names the migration that failed.
 * Used by `ficus migrate` and by the test-database templates (test-support/databases.ts).
 *
 * @example
 *   await runMigrations({ url: 'postgres://catalog:catalog@127.0.0.1:15433/catalog', directory: migrationsDirectory('catalog') });
 */
import path from 'node:path';
import { FicusError, errorMessage } from '../lib/errors.ts';
import { maskUrl } from '../lib/config/index.ts';
import { modulePath } from '../lib/package-paths.ts';
import { createMigrationSource } from './migration-source.ts';
import { createKnex } from '../lib/database.ts';

/** The migration sets that ship with ficus: the kit DB's, and the example's. */
export const MIGRATIONS_ROOT = modulePath('migrations');

/** The folder of a migration set that ships with ficus: `kit`, or the example's `legacy`, `catalog`, `orders`. */
export function migrationsDirectory(set: string): string {
  return path.join(MIGRATIONS_ROOT, set);
}

/** A migration (or the connection before it) failed; the message names the database and the file. */
export class MigrationError extends FicusError {
  constructor(message: string, details: Record<string, unknown>, cause: unknown) {
    super('migration_failed', message, { details, cause });
  }
}

/** The URL without its password, for messages and logs. */
export const redactUrl = maskUrl;

export type RunMigrationsOptions = {
  /** postgres:// URL of the database, with the credentials the migrations run as */
  url: string;
  /** folder holding the migration files */
  directory: string;
  /** called once per migration as it starts and ends; default silent */
  onProgress?: (event: { migration: string; state: 'start' | 'done' }) => void;
};

export type RunMigrationsResult = { applied: string[]; alreadyApplied: number };

export async function runMigrations(options: RunMigrationsOptions): Promise<RunMigrationsResult> {
  const { url, directory, onProgress } = options;
  const where = `${redactUrl(url)} (migrations ${path.relative(process.cwd(), directory) || directory})`;
  // knex would print its own copy of each failure; MigrationError below says it once, with context.
  const db = createKnex(url, { poolMax: 2, quiet: true });
  const config = { migrationSource: createMigrationSource(directory) };
  const applied: string[] = [];
  try {
    let pending: string[];
    let alreadyApplied: number;
    try {
      const [completed, waiting] = (await db.migrate.list(config)) as [unknown[], string[]];
      pending = waiting;
      alreadyApplied = completed.length;
    } catch (error) {
      throw new MigrationError(
        `cannot read the migration state of ${where}: ${errorMessage(error)}`,
        { url: redactUrl(url), directory },
        error,
      );
    }
    for (const migration of pending) {
      onProgress?.({ migration, state: 'start' });
      try {
        await db.migrate.up({ ...config, name: migration });
      } catch (error) {
        throw new MigrationError(
          `migration ${migration} failed on ${where}: ${errorMessage(error)}`,
          { url: redactUrl(url), directory, migration },
          error,
        );
      }
      applied.push(migration);
      onProgress?.({ migration, state: 'done' });
    }
    return { applied, alreadyApplied };
  } finally {
    await db.destroy();
  }
}
