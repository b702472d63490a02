import { jwtClaim, parseClaimPath, parseSchemes } from './jwt-claim.ts';

/** A JWT-shaped token (the signature is never checked) with this payload text. */
const token = (payload: string | object) =>
  `e30.${Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString('base64url')}.sig`;
const claim = (path: string, schemes?: string) => ({
  schemes: parseSchemes(schemes),
  claim: parseClaimPath(path),
});

describe('jwt claim: the scheme', () => {
  it('reads Bearer and Token by default, whatever their case, and nothing else', () => {
    const sub = claim('sub');
    expect(jwtClaim(`Bearer ${token({ sub: 'alice' })}`, sub)).toBe('alice');
    expect(jwtClaim(`token  ${token({ sub: 'bob' })}`, sub)).toBe('bob');
    expect(jwtClaim(`JWT ${token({ sub: 'carol' })}`, sub)).toBeUndefined();
    expect(jwtClaim(`Basic dXNlcjpwYXNz`, sub)).toBeUndefined();
    expect(jwtClaim(undefined, sub)).toBeUndefined();
  });
  it('reads the schemes it is given, or any', () => {
    expect(jwtClaim(`JWT ${token({ sub: 'carol' })}`, claim('sub', 'JWT'))).toBe('carol');
    expect(jwtClaim(`Bearer ${token({ sub: 'carol' })}`, claim('sub', 'JWT'))).toBeUndefined();
    expect(jwtClaim(`Custom ${token({ sub: 'dan' })}`, claim('sub', '*'))).toBe('dan');
    expect(parseSchemes(' Bearer , JWT ')).toEqual(['bearer', 'jwt']);
    expect(() => parseSchemes('Bearer,')).toThrow('"" is not an Authorization scheme name');
    expect(() => parseSchemes('My Scheme')).toThrow('"My Scheme" is not an Authorization scheme');
  });
});

describe('jwt claim: the path', () => {
  const auth = (payload: string | object) => `Bearer ${token(payload)}`;
  it('reads a nested claim, an array element and a namespaced claim name', () => {
    const payload = {
      user: { id: 'u-1' },
      roles: ['admin'],
      'https://example.com/claims': { user_id: 'u-2' },
      'cognito:username': 'u-3',
    };
    expect(jwtClaim(auth(payload), claim('user.id'))).toBe('u-1');
    expect(jwtClaim(auth(payload), claim('roles[0]'))).toBe('admin');
    expect(jwtClaim(auth(payload), claim(`['https://example.com/claims'].user_id`))).toBe('u-2');
    expect(jwtClaim(auth(payload), claim(`["cognito:username"]`))).toBe('u-3');
  });
  it('takes a number in its exact digits, the same user as its string', () => {
    expect(jwtClaim(auth('{"user":{"id":12345678901234567891}}'), claim('user.id'))).toBe(
      '12345678901234567891',
    );
    expect(jwtClaim(auth({ uid: 42 }), claim('uid'))).toBe(
      jwtClaim(auth({ uid: '42' }), claim('uid')),
    );
  });
  it('finds no user in what is not a non-empty string or a number, nor off its own claims', () => {
    for (const payload of [{ user: { id: true } }, { user: { id: '' } }, { user: 'u-1' }, {}])
      expect(jwtClaim(auth(payload), claim('user.id'))).toBeUndefined();
    expect(jwtClaim(auth({ sub: 'x' }), claim('constructor.name'))).toBeUndefined();
    expect(jwtClaim('Bearer e30.not-json.sig', claim('sub'))).toBeUndefined();
  });
  it('refuses a path that names no one claim, saying how to write one', () => {
    expect(() => parseClaimPath('https://example.com/claims.user_id')).toThrow(
      `claim path "https://example.com/claims.user_id" cannot be read: write the claim as a path (user.id, roles[0]) and a name with other characters in brackets and quotes (['https://example.com/claims'].user_id)`,
    );
    expect(() => parseClaimPath('roles[*]')).toThrow('must name one claim (no * or ..)');
    expect(() => parseClaimPath('user..id')).toThrow('must name one claim');
  });
});
