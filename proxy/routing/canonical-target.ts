/**
 * The one spelling of a request target that the proxy routes, compares, counts and forwards
 * (RFC 3986 §6.2.2 normalization, RFC 9112 §3.2): the absolute-form is reduced to origin-form,
 * percent-encoded unreserved characters are decoded and the remaining escapes upper-cased,
 * duplicate slashes are merged and dot segments resolved. Case is left alone: whether it matters
 * is the route table's business (the upstream's setting), and a parameter such as a SKU must
 * reach the upstream as the client wrote it. The query is not part of routing and passes as sent.
 *
 * What cannot be made canonical without guessing how the upstream reads it is refused: an
 * encoded slash (`/a%2Fb` is one segment to Express, two to the route table once decoded), an
 * encoded or raw backslash (a separator to WHATWG URL parsers, a character to Express), NUL and
 * other control characters, escapes that are not hex or not UTF-8, an encoded dot segment
 * (`%2E%2E` is a parameter to Express, `..` to RFC 3986), a fragment, userinfo, and any scheme
 * but http(s). `*` is only the target of `OPTIONS` (RFC 9112 §3.2.4). Pure.
 */

export type CanonicalTarget =
  | {
      ok: true;
      /** the origin-form target to route and forward: canonical path + query as sent */
      target: string;
      path: string;
      /** `?…` or `''` */
      query: string;
      /** the authority of an absolute-form target, which replaces Host (RFC 9112 §3.2.2) */
      authority?: string;
    }
  | { ok: false; reason: string };

const UNRESERVED = /[A-Za-z0-9\-._~]/;
/** What RFC 3986 allows in a path besides escapes (pchar and `/`), less the backslash. */
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/;
const ABSOLUTE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)(.*)$/s;

const refuse = (reason: string): CanonicalTarget => ({ ok: false, reason });

export function canonicalTarget(method: string, raw: string): CanonicalTarget {
  if (raw === '*') {
    return method === 'OPTIONS'
      ? { ok: true, target: '*', path: '*', query: '' }
      : refuse(`the target "*" is only for OPTIONS, not ${method}`);
  }
  let rest = raw;
  let authority: string | undefined;
  const absolute = ABSOLUTE.exec(raw);
  if (absolute) {
    const [, scheme, host, tail] = absolute;
    if (!/^https?$/i.test(scheme)) return refuse(`the scheme "${scheme}" is not http(s)`);
    if (!host || host.includes('@')) return refuse('the absolute-form target has no plain host');
    authority = host;
    rest = tail.startsWith('/') ? tail : `/${tail}`;
  } else if (!raw.startsWith('/')) {
    return refuse('the target is neither origin-form nor absolute-form');
  }
  if (rest.includes('#')) return refuse('the target carries a fragment');
  const q = rest.indexOf('?');
  const rawPath = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q);
  const path = canonicalPath(rawPath);
  if (typeof path !== 'string') return path;
  return { ok: true, target: path + query, path, query, authority };
}

/** The canonical form of an origin-form path, or the refusal saying why there is none. */
function canonicalPath(raw: string): string | CanonicalTarget {
  if (raw.includes('\\')) return refuse('the path holds a backslash');
  if (!PATH_CHARS.test(raw)) return refuse('the path holds a character that must be escaped');
  const out: string[] = [];
  const parts = raw.split('/').slice(1);
  for (const [index, part] of parts.entries()) {
    const segment = normalizeEscapes(part);
    if (typeof segment !== 'string') return segment;
    const last = index === parts.length - 1;
    if (segment === '.' || segment === '..') {
      if (part !== segment) return refuse(`the path holds an encoded dot segment "${part}"`);
      if (segment === '..') out.pop();
      if (last) out.push(''); // `/a/b/..` is `/a/`
    } else if (segment !== '' || last) out.push(segment);
  }
  // `out` ends with '' for a trailing slash; a path of only slashes is the root
  return out.length === 1 && out[0] === '' ? '/' : `/${out.join('/')}`;
}

/** Decodes escaped unreserved characters, upper-cases the others; refuses the unsafe ones. */
function normalizeEscapes(segment: string): string | CanonicalTarget {
  if (!segment.includes('%')) return segment;
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    if (segment[i] !== '%') {
      out += segment[i];
      continue;
    }
    const hex = segment.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return refuse(`the path holds an invalid escape "%${hex}"`);
    const code = parseInt(hex, 16);
    const char = String.fromCharCode(code);
    if (code === 0x2f) return refuse('the path holds an encoded slash (%2F)');
    if (code === 0x5c) return refuse('the path holds an encoded backslash (%5C)');
    if (code < 0x20 || code === 0x7f)
      return refuse(`the path holds an encoded control character (%${hex.toUpperCase()})`);
    out += code < 0x80 && UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
    i += 2;
  }
  try {
    decodeURIComponent(out);
  } catch {
    return refuse('the path holds escapes that are not UTF-8');
  }
  return out;
}
