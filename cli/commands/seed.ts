/**
 * `ficus seed [--scale N] [--reset]`: deterministic demo data in the legacy shop DB (see
 * monolith/seed). Scale 1: 10,000 products, 5,000 customers, 50,000 orders.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../lib/errors.ts';
import { createProgress } from '../../lib/progress.ts';
import { redactUrl } from '../../migrations/migrate-runner.ts';
import { legacyAppUrl } from '../../monolith/config.ts';
import { createDb } from '../../monolith/db.ts';
import { runSeed } from '../../monolith/seed/run-seed.ts';

function parseScale(raw: string): number {
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 100)
    throw new ConfigError(`--scale must be a number above 0 and at most 100, got "${raw}"`);
  return scale;
}

export function register(program: Command): void {
  program
    .command('seed')
    .description(
      'fill the legacy shop DB with deterministic demo data (refuses non-empty tables unless --reset)',
    )
    .option('--scale <n>', 'size: 1 = 10k products, 5k customers, 50k orders; 0.1 = a tenth', '1')
    .option('--reset', 'truncate the shop tables first')
    .option('--url <url>', "legacy DB URL (default: the stack's shop DB as role shop)")
    .action(async (options: { scale: string; reset?: boolean; url?: string }) => {
      const scale = parseScale(options.scale);
      const url = options.url ?? legacyAppUrl();
      const progress = createProgress();
      progress.step(`seeding ${redactUrl(url)} at scale ${scale}`);
      const db = createDb(url, { poolMax: 2 });
      try {
        const result = await runSeed(db, {
          scale,
          reset: options.reset,
          onProgress: (m) => progress.step(m),
        });
        const summary = Object.entries(result.rows)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ');
        progress.done(
          `seeded ${summary} (generate ${result.generateMs} ms, write ${result.writeMs} ms)`,
        );
      } finally {
        await db.destroy();
      }
    });
}
