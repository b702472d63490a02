/**
 * `ficus report [--format html|md|json[,...]] [--out DIR] [--since 1h]`: the parallel run's
 * report from the kit DB, per route: comparisons, match rate, the fields that differ most with
 * samples, latency of each side, error rates and their evolution; data parity and sync beside.
 * Writes report.html (self-contained), report.md (for a PR) and report.json (stable shape).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../lib/errors.ts';
import { createProgress } from '../../lib/progress.ts';
import { parseDuration } from '../../lib/duration.ts';
import { readReportData } from '../../report/report-data.ts';
import { renderHtml } from '../../report/render-html.ts';
import { renderMarkdown } from '../../report/render-markdown.ts';
import { kitDbUrl, openKitDb } from '../../lib/kit-db.ts';
import { loadPlan } from '../../plan/load-plan.ts';
import { loadConfig, serviceConfig } from '../../lib/config/index.ts';

const FORMATS = { html: 'report.html', md: 'report.md', json: 'report.json' } as const;
type Format = keyof typeof FORMATS;

function parseSince(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  return new Date(Date.now() - parseDuration(text, '--since'));
}

export function register(program: Command): void {
  program
    .command('report')
    .option('--format <formats>', 'html, md, json, or several comma-separated', 'html,md,json')
    .option('--out <dir>', 'folder to write into', 'reports')
    .option('--since <duration>', 'only comparisons of the last 30m / 2h / 7d')
    .description('write the parallel-run report (routes, match rates, diffs, latency, parity)')
    .action(async (options: { format: string; out: string; since?: string }) => {
      const formats = options.format.split(',').map((f) => f.trim());
      for (const f of formats)
        if (!(f in FORMATS)) throw new ConfigError(`--format: "${f}" is not one of html, md, json`);
      const progress = createProgress();
      const db = openKitDb(kitDbUrl(), 1);
      try {
        progress.step('reading comparisons from the kit DB');
        // The sinks keep their positions in the databases they write to: each service's (forward)
        // and the legacy one (reverse).
        const config = loadConfig();
        const plan = loadPlan(config.planFile);
        const targets = [
          ...plan.services.map((svc) => openKitDb(serviceConfig(config, svc.name).database.url, 1)),
          openKitDb(config.legacy.database.url, 1),
        ];
        const data = await readReportData(db, {
          since: parseSince(options.since),
          syncTargets: targets,
        }).finally(() => Promise.all(targets.map((t) => t.destroy())));
        fs.mkdirSync(options.out, { recursive: true });
        for (const format of formats as Format[]) {
          const file = path.join(options.out, FORMATS[format]);
          const text =
            format === 'html'
              ? renderHtml(data)
              : format === 'md'
                ? renderMarkdown(data)
                : JSON.stringify(data, null, 2) + '\n';
          fs.writeFileSync(file, text);
          progress.done(`${format}: ${file}`);
        }
        process.stdout.write(
          `${data.routes.length} routes, ${data.routes.reduce((n, r) => n + r.compared, 0)} comparisons\n`,
        );
      } finally {
        await db.destroy();
      }
    });
}
