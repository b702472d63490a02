/**
 * The proxy's edge: what a request is, decided once, before anything routes, compares, counts or
 * forwards it. Its target becomes the canonical one (canonical-target.ts), in the plan's own
 * spelling when a migrated route matches, so that the route table and whichever upstream answers
 * agree on the route; an absolute-form target's authority becomes its Host (RFC 9112 §3.2.2).
 * What cannot be decided safely is refused: a target without a canonical form, two Host headers.
 */
import type { IncomingMessage } from 'node:http';
import type { FicusError } from '../../lib/errors.ts';
import { BadRequestTargetError, DuplicateHostError } from '../proxy-errors.ts';
import { canonicalTarget } from './canonical-target.ts';
import { spellAs, type MigratedRoute, type RouteTable } from './route-table.ts';

export type Admitted =
  { refused: FicusError; route?: undefined } | { refused?: undefined; route?: MigratedRoute };

/** Rewrites `req.url` (and Host for absolute-form) to what is forwarded; the route it matched. */
export function admitRequest(req: IncomingMessage, routes: RouteTable): Admitted {
  const hosts = hostHeaders(req.rawHeaders);
  if (hosts > 1) return { refused: new DuplicateHostError(hosts) };
  const method = req.method ?? 'GET';
  const canonical = canonicalTarget(method, req.url ?? '/');
  if (!canonical.ok) return { refused: new BadRequestTargetError(req.url ?? '', canonical.reason) };
  if (canonical.authority) req.headers.host = canonical.authority;
  const route = canonical.path === '*' ? undefined : routes.match(method, canonical.path);
  req.url = route ? spellAs(route, canonical.path) + canonical.query : canonical.target;
  return { route };
}

function hostHeaders(raw: string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i].length === 4 && /^host$/i.test(raw[i])) count++;
  return count;
}
