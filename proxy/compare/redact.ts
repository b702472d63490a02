/**
 * Redaction before a comparison is stored: values at the route's `redact` paths (and anything
 * beneath them) are replaced, so customer data does not end up in the kit DB or in reports.
 * Pure; returns new values, never changes its input.
 */
import { formatPath, matchesPath, parsePath, type PathPattern, type Segment } from './json-path.ts';
import type { Difference } from './compare-responses.ts';

export const REDACTED = '[redacted]';

export function compileRedaction(paths: string[]): PathPattern[] {
  return paths.map(parsePath);
}

function redactValue(value: unknown, at: Segment[], patterns: PathPattern[]): unknown {
  if (patterns.some((p) => matchesPath(p, at))) return REDACTED;
  if (Array.isArray(value)) return value.map((v, i) => redactValue(v, [...at, i], patterns));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, redactValue(v, [...at, k], patterns)]),
    );
  }
  return value;
}

/** Parses `$.a.b[2]` (as formatPath writes it) back into segments. */
function segmentsOf(path: string): Segment[] | undefined {
  if (!path.startsWith('$')) return undefined;
  return parsePath(path).segments.map((s) => ('index' in s ? s.index : 'key' in s ? s.key : '*'));
}

export function redactDifferences(
  differences: Difference[],
  patterns: PathPattern[],
): Difference[] {
  if (!patterns.length) return differences;
  return differences.map((d) => {
    const at = segmentsOf(d.path);
    if (!at) return d; // status and headers are not body paths
    const out: Difference = { path: formatPath(at), kind: d.kind };
    if ('legacy' in d) out.legacy = redactValue(d.legacy, at, patterns);
    if ('service' in d) out.service = redactValue(d.service, at, patterns);
    return out;
  });
}
