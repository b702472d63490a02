/**
 * A claim of the JWT a request carries in `Authorization: <scheme> <jwt>`, for canary
 * stickiness. The signature is not verified: the id only picks a canary bucket, it grants
 * nothing, so a forged token buys a user no more than choosing their own cookie would. Pure.
 *
 * The claim is named by a path in the compare rules' JSON-path dialect, without the `$`:
 * `sub`, `user.id`, `roles[0]`, and a name with characters other than letters, digits, `_`, `$`
 * and `-` in brackets and quotes: `['https://example.com/claims'].user_id`,
 * `['cognito:username']`.
 */
import { parsePath, type Segment } from '../compare/json-path.ts';

export type JwtClaimSource = {
  /** the Authorization schemes the token may come with, lower-cased; `any` takes every one */
  schemes: string[] | 'any';
  /** the claim's keys and indices from the payload's root */
  claim: Segment[];
};

/** Without a scheme list: `Authorization: Bearer …` (RFC 6750) or `Token …` (Rails, Django REST). */
export const DEFAULT_JWT_SCHEMES = ['bearer', 'token'];

/** An auth-scheme is an HTTP token (RFC 9110). */
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const JWT = /^(\S+)\s+([\w-]+)\.([\w-]+)\.[\w-]*$/;

/** `Bearer,Token`, `JWT`, `*` -> the schemes; throws on a name that cannot be one. */
export function parseSchemes(text: string | undefined): JwtClaimSource['schemes'] {
  if (text === undefined) return DEFAULT_JWT_SCHEMES;
  if (text.trim() === '*') return 'any';
  const schemes = text.split(',').map((s) => s.trim());
  const bad = schemes.find((s) => !SCHEME.test(s));
  if (bad !== undefined) throw new Error(`"${bad}" is not an Authorization scheme name`);
  return schemes.map((s) => s.toLowerCase());
}

/** `user.id` -> ['user', 'id']; throws naming the path and how to write an odd claim name. */
export function parseClaimPath(text: string): Segment[] {
  const hint =
    `write the claim as a path (user.id, roles[0]) and a name with other characters in ` +
    `brackets and quotes (['https://example.com/claims'].user_id)`;
  let segments;
  try {
    segments = parsePath(text.startsWith('[') ? `$${text}` : `$.${text}`).segments;
  } catch {
    throw new Error(`claim path "${text}" cannot be read: ${hint}`);
  }
  return segments.map((segment) => {
    if ('key' in segment) return segment.key;
    if ('index' in segment) return segment.index;
    throw new Error(`claim path "${text}" must name one claim (no * or ..): ${hint}`);
  });
}

/** The claim as a user id (a string, or a number in its exact digits), or undefined. */
export function jwtClaim(
  authorization: string | undefined,
  source: JwtClaimSource,
): string | undefined {
  const match = JWT.exec(authorization ?? '');
  if (!match) return undefined;
  const { schemes } = source;
  if (schemes !== 'any' && !schemes.includes(match[1].toLowerCase())) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(match[3], 'base64url').toString('utf8'), exactNumbers);
  } catch {
    return undefined;
  }
  for (const key of source.claim) {
    // own claims only: `constructor` or `__proto__` must not reach into the prototype
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return typeof value === 'string' && value ? value : undefined;
}

/**
 * Numbers as the token spells them: a numeric user id past 2^53 keeps its digits (two users are
 * not merged into one bucket), and `42` is the same user as `"42"`.
 */
function exactNumbers(_key: string, value: unknown, context?: { source?: string }): unknown {
  return typeof value === 'number' ? (context?.source ?? String(value)) : value;
}
