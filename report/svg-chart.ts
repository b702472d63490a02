/**
 * Tiny inline SVG charts for the HTML report (no scripts, no external files): a line chart of one
 * or more series over time, and horizontal bars. Pure string building; every text is escaped.
 */
export const escapeHtml = (text: unknown) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

export type Series = { name: string; color: string; points: (number | null)[] };

export function lineChart(
  title: string,
  labels: string[],
  series: Series[],
  options: { width?: number; height?: number; max?: number; unit?: string } = {},
): string {
  const width = options.width ?? 480;
  const height = options.height ?? 180;
  const pad = { left: 44, right: 12, top: 24, bottom: 28 };
  const values = series.flatMap((s) => s.points.filter((p): p is number => p !== null));
  const max = options.max ?? Math.max(1e-9, ...values) * 1.1;
  const x = (i: number) =>
    pad.left +
    (labels.length <= 1
      ? (width - pad.left - pad.right) / 2
      : (i * (width - pad.left - pad.right)) / (labels.length - 1));
  const y = (v: number) => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  const lines = series
    .map((s) => {
      const pts = s.points
        .map((p, i) => (p === null ? null : `${x(i).toFixed(1)},${y(p).toFixed(1)}`))
        .filter(Boolean);
      const dots = pts
        .map(
          (p) =>
            `<circle cx="${p!.split(',')[0]}" cy="${p!.split(',')[1]}" r="2.5" fill="${s.color}"/>`,
        )
        .join('');
      return `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(' ')}"/>${dots}`;
    })
    .join('');
  const fmt = (v: number) =>
    options.unit === '%'
      ? `${Math.round(v * 100)}%`
      : `${Math.round(v * 10) / 10}${options.unit ?? ''}`;
  const grid = [0, 0.5, 1]
    .map(
      (f) =>
        `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(max * f)}" y2="${y(max * f)}" stroke="#ddd"/><text x="${pad.left - 4}" y="${y(max * f) + 4}" text-anchor="end">${fmt(max * f)}</text>`,
    )
    .join('');
  const ends = labels.length
    ? `<text x="${pad.left}" y="${height - 8}">${escapeHtml(labels[0])}</text><text x="${width - pad.right}" y="${height - 8}" text-anchor="end">${escapeHtml(labels[labels.length - 1])}</text>`
    : '';
  const legend = series
    .map(
      (s, i) =>
        `<text x="${pad.left + i * 120}" y="14" fill="${s.color}">■ ${escapeHtml(s.name)}</text>`,
    )
    .join('');
  return `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title>${grid}${lines}${ends}${legend}</svg>`;
}

export function barChart(
  title: string,
  bars: { label: string; value: number }[],
  options: { width?: number; color?: string } = {},
): string {
  const width = options.width ?? 480;
  const row = 22;
  const height = Math.max(1, bars.length) * row + 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const labelWidth = 200;
  const body = bars
    .map((b, i) => {
      const w = ((width - labelWidth - 50) * b.value) / max;
      return `<text x="${labelWidth - 6}" y="${i * row + 16}" text-anchor="end">${escapeHtml(b.label.length > 32 ? b.label.slice(0, 31) + '…' : b.label)}</text><rect x="${labelWidth}" y="${i * row + 4}" width="${w.toFixed(1)}" height="${row - 8}" fill="${options.color ?? '#c0392b'}"/><text x="${labelWidth + w + 4}" y="${i * row + 16}">${b.value}</text>`;
    })
    .join('');
  return `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><title>${escapeHtml(title)}</title>${body}</svg>`;
}
