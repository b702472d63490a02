/** The report as Markdown, for a pull request or a ticket: the overview table and, per route, the top differing fields with a sample. */
import type { RepairRecord } from '../cdc/verify/repair-store.ts';
import type { SchemaChangeRecord } from '../cdc/sink/schema-change-store.ts';
import type { ReportData } from './report-data.ts';

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);
const ms = (v: number | null) => (v === null ? '–' : `${v}`);
const cell = (v: unknown) =>
  '`' +
  String(JSON.stringify(v) ?? 'undefined')
    .replace(/`/g, "'")
    .replace(/\|/g, '\\|')
    .slice(0, 120) +
  '`';

/** `#3 2024-05-01T… by ann (forward): 12 re-copied, 1 deleted, clean after` */
export function repairLine(r: RepairRecord): string {
  const sum = (k: 'copied' | 'deleted') => r.tables.reduce((n, t) => n + t[k], 0);
  return `#${r.id} ${r.finishedAt} by ${r.actor} (${r.direction}): ${sum('copied')} re-copied, ${sum('deleted')} deleted, ${r.cleanAfter ? 'clean after' : 'NOT clean after'}`;
}

/** `shop.products.price changed numeric → text (forward, at t[0]@7, LSN 123): sync PAUSED` */
export function schemaChangeLine(c: SchemaChangeRecord): string {
  const where = `${c.direction}, at ${c.position}${c.lsn ? `, LSN ${c.lsn}` : ''}, ${c.firstSeenAt}`;
  return `${c.description} (${where}): ${c.breaking ? 'sync of the table PAUSED' : 'not mapped, the sync goes on'}`;
}

export function renderMarkdown(data: ReportData): string {
  const out: string[] = [
    '# ficus parallel-run report',
    '',
    `Generated ${data.generatedAt}${data.since ? `, comparisons since ${data.since}` : ''}.`,
    '',
  ];
  if (!data.routes.length) out.push('No comparisons recorded yet.', '');
  else {
    out.push(
      '| route | service | compared | match rate | errors (mono / svc) | p50 mono / svc (ms) | p95 mono / svc | p99 mono / svc |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const r of data.routes) {
      const l = r.latency.legacy;
      const s = r.latency.service;
      out.push(
        `| \`${r.route}\` | ${r.service} | ${r.compared} | ${pct(r.matchRate)} | ${pct(r.errors.legacy)} / ${pct(r.errors.service)} | ${ms(l.p50)} / ${ms(s.p50)} | ${ms(l.p95)} / ${ms(s.p95)} | ${ms(l.p99)} / ${ms(s.p99)} |`,
      );
    }
    out.push('');
  }
  for (const r of data.routes.filter((x) => x.topFields.length)) {
    out.push(
      `## \`${r.route}\``,
      '',
      '| field | times | monolith | service |',
      '| --- | ---: | --- | --- |',
    );
    for (const f of r.topFields)
      out.push(
        `| \`${f.path}\` | ${f.count} | ${cell(f.sample.legacy)} | ${cell(f.sample.service)} |`,
      );
    out.push('');
  }
  out.push('## Data parity', '');
  if (!data.parity?.length) out.push('No finished data-parity run recorded.');
  else
    for (const p of data.parity)
      out.push(`- **${p.service}**: ${p.clean ? 'clean' : 'NOT clean'} (${p.finishedAt})`);
  for (const r of data.repairs) out.push(`- **${r.service}**: latest repair ${repairLine(r)}`);
  out.push('', '## Sync', '');
  for (const c of data.schemaChanges ?? [])
    out.push(`- **${c.service}** schema change: ${schemaChangeLine(c)}`);
  if (data.schemaChanges?.length) out.push('');
  if (!data.sync?.length) out.push('No sync positions recorded.');
  else
    for (const s of data.sync)
      out.push(`- ${s.consumerGroup} / ${s.topic}: last applied ${s.secondsSinceLastApply} s ago`);
  return out.join('\n') + '\n';
}
