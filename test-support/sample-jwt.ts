/** A JWT-shaped token for tests of redaction: a real header and claims, a made-up signature. */
const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function sampleJwt(claims: object = { sub: 'user-42', scope: 'orders:read' }): string {
  const signature = Buffer.from(`signature-of-${JSON.stringify(claims)}`).toString('base64url');
  return `${segment({ alg: 'HS256', typ: 'JWT' })}.${segment(claims)}.${signature}`;
}

/** The parts of a token that must appear nowhere once it is redacted. */
export const jwtParts = (jwt: string): string[] => jwt.split('.');
