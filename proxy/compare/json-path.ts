/**
 * The small JSON-path dialect of compare rules: `$.meta.servedAt`, `$.items[*].price`,
 * `$.items[0]`, `$['odd key']`, and `$..updatedAt` (at any depth). A concrete path is the list
 * of keys and indices from the root. Pure.
 */
export type Segment = string | number;
type PatternSegment = { key: string } | { index: number } | { any: true } | { deep: true };
export type PathPattern = { text: string; segments: PatternSegment[] };

const TOKEN = /\.\.|\.([A-Za-z_$][\w$-]*|\*)|\[(\*|\d+|'[^']*'|"[^"]*")\]/y;

export function parsePath(text: string): PathPattern {
  if (!text.startsWith('$')) throw new Error(`JSON path "${text}" must start with "$"`);
  const segments: PatternSegment[] = [];
  TOKEN.lastIndex = 1;
  while (TOKEN.lastIndex < text.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`JSON path "${text}": cannot read from position ${at}`);
    if (m[0] === '..') {
      segments.push({ deep: true });
      // `$..name`: the name follows without its own dot
      const name = /^[A-Za-z_$][\w$-]*/.exec(text.slice(TOKEN.lastIndex));
      if (name) {
        segments.push({ key: name[0] });
        TOKEN.lastIndex += name[0].length;
      }
      continue;
    }
    const raw = m[1] ?? m[2];
    if (raw === '*') segments.push({ any: true });
    else if (/^\d+$/.test(raw) && m[2] !== undefined) segments.push({ index: Number(raw) });
    else segments.push({ key: raw.replace(/^['"]|['"]$/g, '') });
  }
  return { text, segments };
}

function matchFrom(pattern: PatternSegment[], pi: number, path: Segment[], si: number): boolean {
  if (pi === pattern.length) return si === path.length;
  const p = pattern[pi];
  if ('deep' in p) {
    for (let skip = si; skip <= path.length; skip++)
      if (matchFrom(pattern, pi + 1, path, skip)) return true;
    return false;
  }
  if (si === path.length) return false;
  const s = path[si];
  const ok = 'any' in p || ('key' in p && p.key === s) || ('index' in p && p.index === s);
  return ok && matchFrom(pattern, pi + 1, path, si + 1);
}

export function matchesPath(pattern: PathPattern, path: Segment[]): boolean {
  return matchFrom(pattern.segments, 0, path, 0);
}

/** `$.items[3].price` */
export function formatPath(path: Segment[]): string {
  return (
    '$' +
    path
      .map((s) =>
        typeof s === 'number' ? `[${s}]` : /^[A-Za-z_$][\w$-]*$/.test(s) ? `.${s}` : `['${s}']`,
      )
      .join('')
  );
}

/** The same path with indices generalised, `$.items[*].price`: what reports and noise group by. */
export function generalisePath(path: string): string {
  return path.replace(/\[\d+\]/g, '[*]');
}
