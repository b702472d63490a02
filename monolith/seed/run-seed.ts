/**
 * `ficus seed`: fills the legacy shop tables with the deterministic demo data, in one
 * transaction (all or nothing). Refuses when the tables already hold rows, unless told to
 * reset them first.
 */
import type { Knex } from 'knex';
import { FicusError } from '../../lib/errors.ts';
import { generateShop } from './seed-generator.ts';
import { insertRows, nonEmptyTables, resetSequences, truncateShop } from './seed-writer.ts';

export class SeedRefusedError extends FicusError {
  constructor(message: string, details: Record<string, unknown>) {
    super('seed_refused', message, { status: 409, details });
  }
}

export type SeedOptions = {
  scale: number;
  /** truncate the shop tables first instead of refusing when they hold rows */
  reset?: boolean;
  onProgress?: (message: string) => void;
};

export type SeedResult = { rows: Record<string, number>; generateMs: number; writeMs: number };

export async function runSeed(db: Knex, options: SeedOptions): Promise<SeedResult> {
  const say = options.onProgress ?? (() => {});
  const started = Date.now();
  const tables = generateShop(options.scale);
  const generateMs = Date.now() - started;
  say(`generated ${tables.reduce((n, t) => n + t.rows.length, 0)} rows in ${generateMs} ms`);

  await db.transaction(async (trx) => {
    const existing = await nonEmptyTables(trx);
    if (Object.keys(existing).length > 0) {
      if (!options.reset) {
        const list = Object.entries(existing)
          .map(([t, n]) => `${t} (${n} rows)`)
          .join(', ');
        throw new SeedRefusedError(
          `the shop tables are not empty: ${list}; run with --reset to truncate them first`,
          { existing },
        );
      }
      say(`truncating ${Object.keys(existing).join(', ')}`);
      await truncateShop(trx);
    }
    for (const data of tables) {
      let lastShown = 0;
      await insertRows(trx, data, {
        onBatch: (written, total) => {
          // one line per quarter of a big table, so that progress shows without flooding
          if (written === total || written - lastShown >= total / 4) {
            say(`${data.table}: ${written}/${total}`);
            lastShown = written;
          }
        },
      });
    }
    await resetSequences(trx);
  });
  const rows = Object.fromEntries(tables.map((t) => [t.table, t.rows.length]));
  return { rows, generateMs, writeMs: Date.now() - started - generateMs };
}
