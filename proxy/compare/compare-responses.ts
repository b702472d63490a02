/**
 * Compares the monolith's answer with the service's: status, the headers the route names, and
 * JSON bodies structurally, field by field, under the route's rules (ignored paths, numeric
 * tolerance and numeric strings, timestamps as instants, order-insensitive arrays) and the noise
 * learned by calibration. Non-JSON bodies are compared as bytes. Pure.
 */
import type { CompareRules } from '../routing/route-table.ts';
import {
  formatPath,
  generalisePath,
  matchesPath,
  parsePath,
  type PathPattern,
  type Segment,
} from './json-path.ts';

export type Answer = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
};

export type Difference = {
  path: string;
  kind: 'changed' | 'type' | 'missing_in_service' | 'missing_in_legacy';
  legacy?: unknown;
  service?: unknown;
};

export type ComparisonResult = { outcome: 'match' | 'mismatch'; differences: Difference[] };

export type CompiledRules = {
  ignore: PathPattern[];
  unordered: PathPattern[];
  headers: string[];
  numericTolerance: number;
  timestampToleranceMs: number;
  maxDifferences: number;
};

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const NUMERIC = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

export function compileRules(rules: CompareRules, maxDifferences = 50): CompiledRules {
  return {
    ignore: (rules.ignore ?? []).map(parsePath),
    unordered: (rules.unordered ?? []).map(parsePath),
    headers: (rules.headers ?? []).map((h) => h.toLowerCase()),
    numericTolerance: rules.numericTolerance ?? 1e-9,
    timestampToleranceMs: rules.timestampToleranceMs ?? 0,
    maxDifferences,
  };
}

type Ctx = { rules: CompiledRules; out: Difference[] };

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

function leafEqual(a: unknown, b: unknown, rules: CompiledRules): boolean | 'type' {
  if (a === b) return true;
  const na =
    typeof a === 'number' ? a : typeof a === 'string' && NUMERIC.test(a) ? Number(a) : undefined;
  const nb =
    typeof b === 'number' ? b : typeof b === 'string' && NUMERIC.test(b) ? Number(b) : undefined;
  // A number against a numeric string ("12.50" vs 12.5) is a representation, not a difference.
  if (na !== undefined && nb !== undefined && (typeof a === 'number' || typeof b === 'number')) {
    return Math.abs(na - nb) <= rules.numericTolerance;
  }
  if (
    typeof a === 'string' &&
    typeof b === 'string' &&
    ISO_TIMESTAMP.test(a) &&
    ISO_TIMESTAMP.test(b)
  ) {
    const ta = Date.parse(a);
    const tb = Date.parse(b);
    if (Number.isFinite(ta) && Number.isFinite(tb))
      return Math.abs(ta - tb) <= rules.timestampToleranceMs;
  }
  return kindOf(a) === kindOf(b) ? false : 'type';
}

function walk(a: unknown, b: unknown, path: Segment[], ctx: Ctx): void {
  if (ctx.out.length >= ctx.rules.maxDifferences) return;
  if (ctx.rules.ignore.some((p) => matchesPath(p, path))) return;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === 'object' && kb === 'object') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const sub = [...path, key];
      if (!(key in y)) {
        if (!ctx.rules.ignore.some((p) => matchesPath(p, sub)))
          ctx.out.push({ path: formatPath(sub), kind: 'missing_in_service', legacy: x[key] });
      } else if (!(key in x)) {
        if (!ctx.rules.ignore.some((p) => matchesPath(p, sub)))
          ctx.out.push({ path: formatPath(sub), kind: 'missing_in_legacy', service: y[key] });
      } else walk(x[key], y[key], sub, ctx);
    }
    return;
  }
  if (ka === 'array' && kb === 'array') {
    let x = a as unknown[];
    let y = b as unknown[];
    if (ctx.rules.unordered.some((p) => matchesPath(p, path)))
      [x, y] = pairUp(x, y, path, ctx.rules);
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const sub = [...path, i];
      if (i >= y.length || y[i] === MISSING)
        ctx.out.push({ path: formatPath(sub), kind: 'missing_in_service', legacy: x[i] });
      else if (i >= x.length)
        ctx.out.push({ path: formatPath(sub), kind: 'missing_in_legacy', service: y[i] });
      else walk(x[i], y[i], sub, ctx);
    }
    return;
  }
  const equal = leafEqual(a, b, ctx.rules);
  if (equal !== true)
    ctx.out.push({
      path: formatPath(path),
      kind: equal === 'type' ? 'type' : 'changed',
      legacy: a,
      service: b,
    });
}

const MISSING = Symbol('missing');

/**
 * Reorders the service's array so each element faces an equal one of the monolith's; elements
 * with no equal partner face what is left, in order (MISSING when nothing is), so diffs stay
 * readable.
 */
function pairUp(
  x: unknown[],
  y: unknown[],
  path: Segment[],
  rules: CompiledRules,
): [unknown[], unknown[]] {
  const rest = [...y];
  const right: unknown[] = x.map(() => MISSING);
  const unmatched: number[] = [];
  x.forEach((item, i) => {
    const at = rest.findIndex((candidate) => equalUnder(item, candidate, [...path, i], rules));
    if (at < 0) unmatched.push(i);
    else right[i] = rest.splice(at, 1)[0];
  });
  for (const i of unmatched) if (rest.length) right[i] = rest.shift();
  return [x, [...right, ...rest]];
}

function equalUnder(a: unknown, b: unknown, path: Segment[], rules: CompiledRules): boolean {
  const ctx: Ctx = { rules: { ...rules, maxDifferences: 1 }, out: [] };
  walk(a, b, path, ctx);
  return ctx.out.length === 0;
}

function parseJson(answer: Answer): { ok: true; value: unknown } | { ok: false } {
  if (answer.body.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(answer.body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : v);

export function compareAnswers(
  legacy: Answer,
  service: Answer,
  rules: CompiledRules,
  noise: ReadonlySet<string> = new Set(),
): ComparisonResult {
  if (identicalAnswers(legacy, service, rules.headers))
    return { outcome: 'match', differences: [] };
  return compareFieldByField(legacy, service, rules, noise);
}

/**
 * Answers alike to the byte, in status and in every header the route compares: a match without
 * parsing either body. Whatever the rules and the noise, the field-by-field comparison finds
 * nothing between equal bodies (equal values are equal leaves, an unordered array pairs each
 * element with itself, a body that is not JSON is compared as bytes), so it would say the same;
 * this spares a matching read of a service that answers as the monolith does the parse and walk
 * of both bodies.
 */
export function identicalAnswers(legacy: Answer, service: Answer, headers: string[]): boolean {
  if (legacy.status !== service.status || !legacy.body.equals(service.body)) return false;
  for (const name of headers)
    if (headerValue(legacy.headers[name]) !== headerValue(service.headers[name])) return false;
  return true;
}

/** The comparison itself, answers parsed and walked (compareAnswers skips it for identical ones). */
export function compareFieldByField(
  legacy: Answer,
  service: Answer,
  rules: CompiledRules,
  noise: ReadonlySet<string> = new Set(),
): ComparisonResult {
  const out: Difference[] = [];
  if (legacy.status !== service.status)
    out.push({ path: 'status', kind: 'changed', legacy: legacy.status, service: service.status });
  for (const name of rules.headers) {
    const a = headerValue(legacy.headers[name]);
    const b = headerValue(service.headers[name]);
    if (a !== b) out.push({ path: `header:${name}`, kind: 'changed', legacy: a, service: b });
  }
  const a = parseJson(legacy);
  const b = parseJson(service);
  if (a.ok && b.ok) walk(a.value, b.value, [], { rules, out });
  else if (!legacy.body.equals(service.body)) {
    out.push({
      path: 'body',
      kind: 'changed',
      legacy: legacy.body.toString('utf8', 0, 2000),
      service: service.body.toString('utf8', 0, 2000),
    });
  }
  const differences = noise.size ? out.filter((d) => !isNoise(d.path, noise)) : out;
  return { outcome: differences.length ? 'mismatch' : 'match', differences };
}

/** A path is noise if it, or a path above it, was learned as one. */
function isNoise(path: string, noise: ReadonlySet<string>): boolean {
  let general = generalisePath(path);
  for (;;) {
    if (noise.has(general)) return true;
    const cut = Math.max(general.lastIndexOf('.'), general.lastIndexOf('['));
    if (cut <= 1) return false;
    general = general.slice(0, cut);
  }
}
