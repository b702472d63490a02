/**
 * Redaction before a comparison is stored, shown or reported. By default every credential is
 * replaced (credential-patterns.ts: fields and headers named like one, JWTs anywhere); the plan's
 * `redact` adds JSON paths or `header:<name>`s, its `unredact` opts a path or header back in (an
 * explicit `redact` wins over it). A value at a path is replaced with everything beneath it.
 * Pure; returns new values, never changes its input.
 */
import type { Difference } from './compare-responses.ts';
import { isCredentialName, REDACTED, redactText } from './credential-patterns.ts';
import { formatPath, matchesPath, parsePath, type PathPattern, type Segment } from './json-path.ts';

export { REDACTED } from './credential-patterns.ts';

export type Redaction = {
  redact: PathPattern[];
  unredact: PathPattern[];
  /** lower-cased header names */
  redactHeaders: string[];
  unredactHeaders: string[];
};

const HEADER = 'header:';

function split(entries: string[]): { paths: PathPattern[]; headers: string[] } {
  const paths: PathPattern[] = [];
  const headers: string[] = [];
  for (const entry of entries) {
    if (entry.startsWith(HEADER)) headers.push(entry.slice(HEADER.length).toLowerCase());
    else if (entry.startsWith('$')) paths.push(parsePath(entry));
    else throw new Error(`"${entry}" is neither a JSON path ($.a.b, $..token) nor header:<name>`);
  }
  return { paths, headers };
}

/** From the plan's `redact` and `unredact` lists. */
export function compileRedaction(redact: string[] = [], unredact: string[] = []): Redaction {
  const on = split(redact);
  const off = split(unredact);
  return {
    redact: on.paths,
    unredact: off.paths,
    redactHeaders: on.headers,
    unredactHeaders: off.headers,
  };
}

type Verdict = 'redact' | 'keep' | undefined;

function verdictAt(at: Segment[], r: Redaction): Verdict {
  if (r.redact.some((p) => matchesPath(p, at))) return 'redact';
  if (r.unredact.some((p) => matchesPath(p, at))) return 'keep';
  const name = at[at.length - 1];
  return typeof name === 'string' && isCredentialName(name) ? 'redact' : undefined;
}

/** Nothing is said by redacting an absent value, and that it is absent may be the difference. */
const replaced = (value: unknown) => (value === null || value === undefined ? value : REDACTED);

function redactValue(value: unknown, at: Segment[], r: Redaction): unknown {
  const verdict = at.length ? verdictAt(at, r) : undefined;
  if (verdict === 'redact') return replaced(value);
  if (verdict === 'keep') return keptBeneath(value, at, r);
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v, i) => redactValue(v, [...at, i], r));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [redactText(k), redactValue(v, [...at, k], r)]),
    );
  }
  return value;
}

/** Beneath a path opted back in, only what the plan redacts explicitly is replaced. */
function keptBeneath(value: unknown, at: Segment[], r: Redaction): unknown {
  if (r.redact.some((p) => matchesPath(p, at))) return replaced(value);
  if (Array.isArray(value)) return value.map((v, i) => keptBeneath(v, [...at, i], r));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, keptBeneath(v, [...at, k], r)]),
    );
  }
  return value;
}

/** Parses `$.a.b[2]` (as formatPath writes it) back into segments. */
function segmentsOf(path: string): Segment[] | undefined {
  if (!path.startsWith('$')) return undefined;
  return parsePath(path).segments.map((s) => ('index' in s ? s.index : 'key' in s ? s.key : '*'));
}

/** How the value of a difference at `at` is to be shown: its ancestors decide first. */
function redactAt(at: Segment[], r: Redaction): (value: unknown) => unknown {
  for (let depth = 1; depth < at.length; depth++) {
    const above = at.slice(0, depth);
    const verdict = verdictAt(above, r);
    if (verdict === 'redact') return replaced;
    if (verdict === 'keep') return (value) => keptBeneath(value, at, r);
  }
  return (value) => redactValue(value, at, r);
}

function redactHeader(name: string, r: Redaction): (value: unknown) => unknown {
  if (r.redactHeaders.includes(name)) return replaced;
  if (r.unredactHeaders.includes(name)) return (value) => value;
  if (isCredentialName(name)) return replaced;
  return (value) => (typeof value === 'string' ? redactText(value) : value);
}

function redactorOf(path: string, r: Redaction): (value: unknown) => unknown {
  if (path.startsWith(HEADER)) return redactHeader(path.slice(HEADER.length), r);
  const at = segmentsOf(path);
  if (at) return redactAt(at, r);
  // `status` is a number; `body` is a body that is not JSON, kept as text
  return (value) => (typeof value === 'string' ? redactText(value) : value);
}

export function redactDifferences(differences: Difference[], r: Redaction): Difference[] {
  return differences.map((d) => {
    const redact = redactorOf(d.path, r);
    const at = segmentsOf(d.path);
    const out: Difference = { path: at ? redactText(formatPath(at)) : d.path, kind: d.kind };
    if ('legacy' in d) out.legacy = redact(d.legacy);
    if ('service' in d) out.service = redact(d.service);
    return out;
  });
}
