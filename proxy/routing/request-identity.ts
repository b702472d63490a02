/**
 * Who is asking: the key that keeps a canary sticky. A user id from a header, a cookie or a JWT
 * claim (configurable); without one, a session cookie; without that, the client address. Pure:
 * reads only headers and the socket address it is given.
 */
import type { IncomingHttpHeaders } from 'node:http';

export type IdentitySource = { kind: 'header' | 'cookie' | 'jwt'; name: string };

export type RequestIdentity = {
  /** the stickiness key given to Unleash as `userId` */
  key: string;
  /** where it came from: a real user id, a session, or the address */
  from: 'user' | 'session' | 'address';
};

/** `header:x-user-id`, `cookie:uid`, `jwt:sub` (the JWT is read from `Authorization: Bearer`). */
export function parseIdentitySource(text: string): IdentitySource {
  const [kind, name] = text.split(':', 2);
  if ((kind === 'header' || kind === 'cookie' || kind === 'jwt') && name) {
    return { kind, name: kind === 'header' ? name.toLowerCase() : name };
  }
  throw new Error(`expected header:<name>, cookie:<name> or jwt:<claim>, got "${text}"`);
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

/**
 * The claim of a JWT, without verifying the signature: the id only picks a canary bucket, it
 * grants nothing, so a forged token buys a user no more than choosing their own cookie would.
 */
export function jwtClaim(authorization: string | undefined, claim: string): string | undefined {
  const match = /^Bearer\s+([^.\s]+)\.([^.\s]+)\.[^.\s]*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(match[2], 'base64url').toString('utf8'));
    const value = payload?.[claim];
    return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  } catch {
    return undefined;
  }
}

function userId(headers: IncomingHttpHeaders, source: IdentitySource): string | undefined {
  if (source.kind === 'header') {
    const value = headers[source.name];
    return (Array.isArray(value) ? value[0] : value) || undefined;
  }
  if (source.kind === 'cookie') return readCookie(headers.cookie, source.name) || undefined;
  return jwtClaim(headers.authorization, source.name);
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
