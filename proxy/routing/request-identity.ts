/**
 * Who is asking: the key that keeps a canary sticky. A user id from a header, a cookie or a JWT
 * claim (configurable); without one, a session cookie; without that, the client address. Pure:
 * reads only headers and the socket address it is given.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { jwtClaim, parseClaimPath, parseSchemes, type JwtClaimSource } from './jwt-claim.ts';

export type IdentitySource =
  { kind: 'header' | 'cookie'; name: string } | ({ kind: 'jwt' } & JwtClaimSource);

export type RequestIdentity = {
  /** the stickiness key given to Unleash as `userId` */
  key: string;
  /** where it came from: a real user id, a session, or the address */
  from: 'user' | 'session' | 'address';
};

const SPEC = /^(header|cookie):(.+)$|^jwt(?:\(([^)]*)\))?:(.+)$/s;

/**
 * The setting `FICUS_PROXY_USER_ID_FROM`:
 * - `header:x-user-id` (the default), `cookie:uid`;
 * - `jwt:<claim path>`: a claim of the JWT in `Authorization: Bearer …` or `Token …`, by path:
 *   `jwt:sub`, `jwt:user.id`, `jwt:['https://example.com/claims'].user_id` (jwt-claim.ts);
 * - `jwt(<scheme>,…):<claim path>` for other schemes, `jwt(*):…` for any: `jwt(JWT):sub`.
 */
export function parseIdentitySource(text: string): IdentitySource {
  const match = SPEC.exec(text.trim());
  if (!match) {
    throw new Error(
      `expected header:<name>, cookie:<name> or jwt[(<scheme>,…)]:<claim path>, got "${text}"`,
    );
  }
  const [, kind, name, schemes, claim] = match;
  if (kind === 'header') return { kind, name: name.toLowerCase() };
  if (kind === 'cookie') return { kind, name };
  return { kind: 'jwt', schemes: parseSchemes(schemes), claim: parseClaimPath(claim) };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    }
  }
  return undefined;
}

function userId(headers: IncomingHttpHeaders, source: IdentitySource): string | undefined {
  if (source.kind === 'jwt') return jwtClaim(headers.authorization, source);
  if (source.kind === 'cookie') return readCookie(headers.cookie, source.name) || undefined;
  const value = headers[source.name];
  return (Array.isArray(value) ? value[0] : value) || undefined;
}

export function requestIdentity(
  headers: IncomingHttpHeaders,
  remoteAddress: string | undefined,
  options: { source: IdentitySource; sessionCookie: string },
): RequestIdentity {
  const user = userId(headers, options.source);
  if (user) return { key: user, from: 'user' };
  const session = readCookie(headers.cookie, options.sessionCookie);
  if (session) return { key: `session:${session}`, from: 'session' };
  return { key: `address:${remoteAddress ?? 'unknown'}`, from: 'address' };
}
