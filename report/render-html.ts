/**
 * The report as one self-contained HTML file for a person: inline CSS and SVG charts, no scripts
 * and nothing fetched, so it opens anywhere and can be attached to a ticket.
 */
import { repairLine, schemaChangeLine } from './render-markdown.ts';
import type { ReportData, RouteReport } from './report-data.ts';
import { barChart, escapeHtml as e, lineChart } from './svg-chart.ts';

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);
const ms = (v: number | null) => (v === null ? '–' : `${v} ms`);
const json = (v: unknown) => e(JSON.stringify(v, null, 1) ?? 'undefined');

function routeSection(r: RouteReport, index: number): string {
  const labels = r.timeline.map((t) => t.at.slice(11, 19));
  const diffs = r.topFields
    .map(
      (f) =>
        `<tr><td><code>${e(f.path)}</code></td><td>${f.count}</td><td><pre>${json(f.sample.legacy)}</pre></td><td><pre>${json(f.sample.service)}</pre></td><td><code>${e(f.sample.url)}</code><br><small>${e(f.sample.requestId)}</small></td></tr>`,
    )
    .join('');
  return `<section id="route-${index}">
<h2><code>${e(r.route)}</code> <small>→ ${e(r.service)}</small></h2>
<table class="kv"><tr><th>compared</th><td>${r.compared}</td><th>match rate</th><td class="${(r.matchRate ?? 0) >= 0.99 ? 'ok' : 'bad'}">${pct(r.matchRate)}</td><th>mismatched</th><td>${r.mismatched}</td><th>errors</th><td>${r.errored}</td></tr></table>
<table><tr><th></th><th>p50</th><th>p95</th><th>p99</th><th>error rate</th></tr>
<tr><th>monolith</th><td>${ms(r.latency.legacy.p50)}</td><td>${ms(r.latency.legacy.p95)}</td><td>${ms(r.latency.legacy.p99)}</td><td>${pct(r.errors.legacy)}</td></tr>
<tr><th>${e(r.service)}</th><td>${ms(r.latency.service.p50)}</td><td>${ms(r.latency.service.p95)}</td><td>${ms(r.latency.service.p99)}</td><td>${pct(r.errors.service)}</td></tr></table>
<div class="charts">${lineChart(`match rate over time, ${r.route}`, labels, [{ name: 'match rate', color: '#27ae60', points: r.timeline.map((t) => t.matchRate) }], { max: 1, unit: '%' })}
${lineChart(
  `p95 latency over time, ${r.route}`,
  labels,
  [
    { name: 'monolith p95', color: '#2c3e50', points: r.timeline.map((t) => t.legacyP95) },
    { name: `${r.service} p95`, color: '#e67e22', points: r.timeline.map((t) => t.serviceP95) },
  ],
  { unit: ' ms' },
)}
${
  r.topFields.length
    ? barChart(
        `fields that differ most, ${r.route}`,
        r.topFields.map((f) => ({ label: f.path, value: f.count })),
      )
    : ''
}</div>
${diffs ? `<h3>Fields that differ most, with a sample</h3><table class="diff"><tr><th>field</th><th>times</th><th>monolith</th><th>service</th><th>request</th></tr>${diffs}</table>` : '<p>No differences recorded.</p>'}
</section>`;
}

function paritySection(data: ReportData): string {
  if (!data.parity)
    return '<p>No data-parity runs recorded yet (run <code>ficus verify &lt;service&gt;</code>).</p>';
  if (!data.parity.length) return '<p>No finished data-parity run yet.</p>';
  return `<table><tr><th>service</th><th>finished</th><th>clean</th></tr>${data.parity
    .map(
      (p) =>
        `<tr><td>${e(p.service)}</td><td>${e(p.finishedAt)}</td><td class="${p.clean ? 'ok' : 'bad'}">${p.clean ? 'yes' : 'no'}</td></tr>`,
    )
    .join('')}</table>`;
}

function repairSection(data: ReportData): string {
  if (!data.repairs.length) return '';
  return `<h3>Latest repair</h3><ul>${data.repairs
    .map(
      (r) => `<li class="${r.cleanAfter ? 'ok' : 'bad'}">${e(r.service)}: ${e(repairLine(r))}</li>`,
    )
    .join('')}</ul>`;
}

function schemaSection(data: ReportData): string {
  if (!data.schemaChanges?.length) return '';
  return `<h3>Schema changes</h3><ul>${data.schemaChanges
    .map(
      (c) =>
        `<li class="${c.breaking ? 'bad' : 'ok'}">${e(c.service)}: ${e(schemaChangeLine(c))}</li>`,
    )
    .join('')}</ul>`;
}

function syncSection(data: ReportData): string {
  if (!data.sync?.length) return '<p>No sync positions recorded.</p>';
  return `<table><tr><th>consumer group</th><th>topic</th><th>last applied</th><th>seconds since</th></tr>${data.sync
    .map(
      (s) =>
        `<tr><td>${e(s.consumerGroup)}</td><td>${e(s.topic)}</td><td>${e(s.updatedAt)}</td><td>${s.secondsSinceLastApply}</td></tr>`,
    )
    .join('')}</table>`;
}

export function renderHtml(data: ReportData): string {
  const overview = data.routes
    .map(
      (r, i) =>
        `<tr><td><a href="#route-${i}"><code>${e(r.route)}</code></a></td><td>${e(r.service)}</td><td>${r.compared}</td><td class="${(r.matchRate ?? 0) >= 0.99 ? 'ok' : 'bad'}">${pct(r.matchRate)}</td><td>${ms(r.latency.legacy.p99)}</td><td>${ms(r.latency.service.p99)}</td></tr>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ficus parallel-run report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f6f6}.ok{color:#1e8449;font-weight:600}.bad{color:#c0392b;font-weight:600}
pre{margin:0;max-width:320px;max-height:160px;overflow:auto;font-size:12px}.charts{display:flex;flex-wrap:wrap;gap:1rem}
svg.chart{font:11px system-ui,sans-serif;background:#fcfcfc;border:1px solid #eee}section{border-top:2px solid #eee;margin-top:1.5rem}
</style></head><body>
<h1>ficus parallel-run report</h1>
<p>Generated ${e(data.generatedAt)}${data.since ? `, comparisons since ${e(data.since)}` : ''}. Monolith answers are compared with the service's, field by field, under each route's rules.</p>
<h2>Routes</h2>
${data.routes.length ? `<table><tr><th>route</th><th>service</th><th>compared</th><th>match rate</th><th>monolith p99</th><th>service p99</th></tr>${overview}</table>` : '<p>No comparisons recorded yet.</p>'}
${data.routes.map(routeSection).join('\n')}
<section><h2>Data parity</h2>${paritySection(data)}${repairSection(data)}</section>
<section><h2>Sync</h2>${schemaSection(data)}${syncSection(data)}</section>
</body></html>
`;
}
