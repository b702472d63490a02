/**
 * The plan's route patterns (`/api/orders/:ref`): which of two that match the same path is the
 * more specific, and which two cannot be told apart. One rule for the proxy's route table (which
 * picks the most specific match, whatever the order in the plan) and the plan check (which
 * refuses two routes that are ambiguous), so that they cannot disagree.
 *
 * A pattern is literal segments and parameters (`:name`, a whole segment); one trailing slash
 * means nothing. Two patterns match a common path only if they have as many segments and their
 * literals agree wherever both have one; of those, the one with a literal where the other has a
 * parameter, at the leftmost position where they differ, wins: `/api/orders/recent` over
 * `/api/orders/:ref`, `/api/:kind/recent` over `/api/:kind/:ref`, `/api/orders/:ref` over
 * `/api/:kind/recent` (the longer literal prefix first), as routers users know do.
 */

export type RoutePatternOptions = {
  /** whether `/API/orders` and `/api/orders` are different paths (see the route table) */
  caseSensitive?: boolean;
};

/** The segments of a pattern, `undefined` for a parameter. `/api/orders/:ref/` -> ['', 'api', 'orders', undefined]. */
export function patternSegments(path: string): (string | undefined)[] {
  return path
    .replace(/\/+$/, '')
    .split('/')
    .map((segment) => (segment.startsWith(':') ? undefined : segment));
}

/**
 * Negative when `a` is the more specific of two patterns, positive when `b` is, 0 when neither
 * is: literal segments beat parameters, left to right; then more segments first (a total order
 * for sorting, though patterns of different lengths never match the same path).
 */
export function compareSpecificity(a: string, b: string): number {
  const left = patternSegments(a);
  const right = patternSegments(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const literalLeft = left[i] !== undefined;
    if (literalLeft !== (right[i] !== undefined)) return literalLeft ? -1 : 1;
  }
  return right.length - left.length;
}

/**
 * A key that two patterns share exactly when they are ambiguous: as specific as each other and
 * matching the same paths (the same literals in the same places, whatever the parameters' names).
 */
export function ambiguityKey(path: string, options: RoutePatternOptions = {}): string {
  return patternSegments(path)
    .map((segment) =>
      segment === undefined ? ':' : options.caseSensitive ? segment : segment.toLowerCase(),
    )
    .join('/');
}
