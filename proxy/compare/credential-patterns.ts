/**
 * What a credential looks like, whatever the plan says: a field, header or parameter named like
 * one (`accessToken`, `client_secret`, `Authorization`, `Set-Cookie`, `api_key`), and a JWT
 * anywhere in a string. Redaction (redact.ts) applies these by default, so a plan that names
 * nothing still never stores a bearer token. Pure.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

// Matched against the name lower-cased with `-` and `_` removed, so that `accessToken`,
// `access_token` and `X-Access-Token` are the same name; a name that merely contains one of
// these (`csrfToken`, `newPassword`) counts too: redacting a harmless field costs a plan one
// `unredact` entry, storing a credential cannot be undone.
const CREDENTIAL_NAME = /token|passw(or)?d|secret|apikey|authori[sz]ation|cookie/;

export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name.toLowerCase().replace(/[-_]/g, ''));
}

// A JWT (JWS or JWE) is three to five base64url segments separated by dots; its first segment
// encodes a JSON object, so it starts `ey` (`{"`, `{ `) or `ew` (`{\n`). A match starts where a
// word does (or after a percent-escape, `?next=%3DeyJ…`): starting inside every longer word
// would make a long base64 value cost quadratic time. Candidates are confirmed by their header.
const JWT_CANDIDATE = /(?:(?<![\w-])|(?<=%[\dA-Fa-f]{2}))e[yw][\w-]+(?:\.[\w-]*){2,4}/g;

function isJwtHeader(segment: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && 'alg' in header;
  } catch {
    return false;
  }
}

/** The candidate with the JWT in it replaced: it may follow a dotted word (`eyes.eyJ…`). */
function redactCandidate(candidate: string): string {
  const parts = candidate.split('.');
  for (let i = 0; i + 3 <= parts.length; i++)
    if (isJwtHeader(parts[i])) return [...parts.slice(0, i), REDACTED].join('.');
  return candidate;
}

const redactJwts = (text: string) => text.replace(JWT_CANDIDATE, redactCandidate);

// `name=value` of a query string, a form body or a cookie string.
const PARAMETER = /(^|[?&;\s])([^=&?;\s]+)=([^&;\s#]*)/g;
// `"name": "value"` in text that is not JSON as a whole (an HTML page with a script, a log line).
const QUOTED_FIELD = /"([^"\\]{1,100})"(\s*:\s*)"(?:[^"\\]|\\.)*"/g;

/**
 * The text with every JWT, and the value of every parameter or quoted field named like a
 * credential, replaced: for request URLs, header values, strings of a JSON body, bodies that are
 * not JSON.
 */
export function redactText(text: string): string {
  return redactJwts(text)
    .replace(PARAMETER, (all, before: string, name: string) =>
      isCredentialName(name) ? `${before}${name}=${REDACTED}` : all,
    )
    .replace(QUOTED_FIELD, (all, name: string, colon: string) =>
      isCredentialName(name) ? `"${name}"${colon}"${REDACTED}"` : all,
    );
}
