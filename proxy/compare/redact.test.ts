import { jwtParts, sampleJwt } from '../../test-support/sample-jwt.ts';
import type { Difference } from './compare-responses.ts';
import { isCredentialName, redactText } from './credential-patterns.ts';
import { compileRedaction, redactDifferences, REDACTED } from './redact.ts';

const jwt = sampleJwt();
const byDefault = compileRedaction();
const changed = (path: string, legacy: unknown, service: unknown): Difference => ({
  path,
  kind: 'changed',
  legacy,
  service,
});
const leaks = (value: unknown) => {
  const text = JSON.stringify(value);
  return jwtParts(jwt).filter((part) => text.includes(part));
};

describe('credential patterns', () => {
  it.each([
    'token',
    'accessToken',
    'access_token',
    'refresh_token',
    'id-token',
    'password',
    'newPassword',
    'client_secret',
    'clientSecret',
    'api_key',
    'apiKey',
    'X-Api-Key',
    'APIKEY',
    'Authorization',
    'proxy-authorization',
    'cookie',
    'Set-Cookie',
  ])('takes a field or header named %s for a credential', (name) => {
    expect(isCredentialName(name)).toBe(true);
  });

  it.each(['name', 'email', 'price', 'items', 'x-request-id', 'content-type', 'keyword'])(
    'leaves %s alone',
    (name) => expect(isCredentialName(name)).toBe(false),
  );

  it('replaces JWTs inside text, and only strings whose first segment is a JWT header', () => {
    expect(redactText(`Bearer ${jwt}`)).toBe(`Bearer ${REDACTED}`);
    expect(redactText(`see /cb#${jwt} now`)).toBe(`see /cb#${REDACTED} now`);
    expect(redactText(`/login?next=%2Fcb%3Ft%3D${jwt}`)).toBe(
      `/login?next=%2Fcb%3Ft%3D${REDACTED}`,
    );
    expect(redactText(`eyes.${jwt}`)).toBe(`eyes.${REDACTED}`);
    const notAHeader = `${Buffer.from('{"typ":"x"}').toString('base64url')}.eyJhIjoxfQ.sig`;
    for (const text of ['v1.2.3', 'a.b.c', 'www.example.com', notAHeader])
      expect(redactText(text)).toBe(text);
  });

  it('replaces credential values of query strings, form bodies and JSON-looking text', () => {
    expect(redactText('/api/orders?access_token=abc123&page=2')).toBe(
      `/api/orders?access_token=${REDACTED}&page=2`,
    );
    expect(redactText('user=ann&password=hunter2')).toBe(`user=ann&password=${REDACTED}`);
    expect(redactText('<script>var c = {"apiKey": "k-1", "name": "a"}</script>')).toBe(
      `<script>var c = {"apiKey": "${REDACTED}", "name": "a"}</script>`,
    );
  });
});

describe('redactDifferences, by default', () => {
  it('replaces a JWT anywhere in a nested JSON value, whatever the field is called', () => {
    const session = { user: 'ann', links: [{ rel: 'self', note: `Bearer ${jwt}` }], tries: 2 };
    const [out] = redactDifferences(
      [{ path: '$.data.session', kind: 'missing_in_service', legacy: session }],
      byDefault,
    );
    expect(out).toEqual({
      path: '$.data.session',
      kind: 'missing_in_service',
      legacy: { user: 'ann', links: [{ rel: 'self', note: `Bearer ${REDACTED}` }], tries: 2 },
    });
    expect(leaks(out)).toEqual([]);
  });

  it('replaces fields named like credentials at any depth, and what lies beneath them', () => {
    const legacy = {
      accessToken: jwt,
      client_secret: 's3cr3t',
      profile: { name: 'Ann', REFRESH_TOKEN: 'r-1', password: { hash: 'x' } },
      revokedToken: null,
    };
    const out = redactDifferences(
      [
        changed('$.auth', legacy, { ...legacy, client_secret: 'other' }),
        changed('$.auth.accessToken', jwt, 'abc'),
        changed('$.secret.value', 'v1', 'v2'),
      ],
      byDefault,
    );
    const auth = {
      accessToken: REDACTED,
      client_secret: REDACTED,
      profile: { name: 'Ann', REFRESH_TOKEN: REDACTED, password: REDACTED },
      revokedToken: null, // an absent credential says nothing, and that it is absent may matter
    };
    expect(out).toEqual([
      changed('$.auth', auth, auth),
      changed('$.auth.accessToken', REDACTED, REDACTED),
      changed('$.secret.value', REDACTED, REDACTED),
    ]);
  });

  it('replaces credential headers whole, and JWTs in any other header', () => {
    const out = redactDifferences(
      [
        changed('header:authorization', `Bearer ${jwt}`, undefined),
        changed('header:set-cookie', 'sid=abc; HttpOnly', 'sid=def; HttpOnly'),
        changed('header:x-api-key', 'k1', 'k2'),
        changed('header:x-forwarded-auth', jwt, 'none'),
        changed('header:x-side', 'monolith', 'service'),
      ],
      byDefault,
    );
    expect(out).toEqual([
      changed('header:authorization', REDACTED, undefined),
      changed('header:set-cookie', REDACTED, REDACTED),
      changed('header:x-api-key', REDACTED, REDACTED),
      changed('header:x-forwarded-auth', REDACTED, 'none'),
      changed('header:x-side', 'monolith', 'service'),
    ]);
  });

  it('scans bodies that are not JSON, and leaves status alone', () => {
    const page = `<html>token: ${jwt}, "password": "hunter2"</html>`;
    const out = redactDifferences(
      [changed('body', page, '<html>error</html>'), changed('status', 200, 500)],
      byDefault,
    );
    expect(out).toEqual([
      changed(
        'body',
        `<html>token: ${REDACTED}, "password": "${REDACTED}"</html>`,
        '<html>error</html>',
      ),
      changed('status', 200, 500),
    ]);
  });

  it('replaces a JWT used as a key, in the path too', () => {
    const [out] = redactDifferences([changed(`$.sessions['${jwt}']`, 1, 2)], byDefault);
    expect(out.path).toBe(`$.sessions['${REDACTED}']`);
  });

  it('never changes its input', () => {
    const legacy = { token: 't', nested: { note: jwt } };
    redactDifferences([changed('$', legacy, {})], byDefault);
    expect(legacy).toEqual({ token: 't', nested: { note: jwt } });
  });
});

describe('redactDifferences, as the plan says', () => {
  it('also replaces the paths the plan adds, and everything beneath them', () => {
    const redaction = compileRedaction(['$..email', '$.customer', 'header:x-tenant']);
    const out = redactDifferences(
      [
        changed('$.items[0]', { email: 'a@x', sku: 'A' }, { email: 'b@x', sku: 'A' }),
        changed('$.customer.address.city', 'Ghent', 'Gent'),
        changed('header:x-tenant', 'acme', 'other'),
      ],
      redaction,
    );
    expect(out).toEqual([
      changed('$.items[0]', { email: REDACTED, sku: 'A' }, { email: REDACTED, sku: 'A' }),
      changed('$.customer.address.city', REDACTED, REDACTED),
      changed('header:x-tenant', REDACTED, REDACTED),
    ]);
  });

  it('keeps a path or header the plan opts back in, with everything beneath it', () => {
    const redaction = compileRedaction([], ['$..tokenCount', '$.debug', 'header:x-api-key']);
    const out = redactDifferences(
      [
        changed(
          '$.usage',
          { tokenCount: 3, accessToken: 'a' },
          { tokenCount: 4, accessToken: 'b' },
        ),
        changed('$.debug.lastToken', 'abc', 'abd'),
        changed('header:x-api-key', 'public-1', 'public-2'),
      ],
      redaction,
    );
    expect(out).toEqual([
      changed(
        '$.usage',
        { tokenCount: 3, accessToken: REDACTED },
        { tokenCount: 4, accessToken: REDACTED },
      ),
      changed('$.debug.lastToken', 'abc', 'abd'),
      changed('header:x-api-key', 'public-1', 'public-2'),
    ]);
  });

  it('redacts what the plan names even beneath a path it opts back in', () => {
    const redaction = compileRedaction(['$.debug.email'], ['$.debug']);
    const [out] = redactDifferences(
      [changed('$.debug', { email: 'a@x', token: 't' }, {})],
      redaction,
    );
    expect(out.legacy).toEqual({ email: REDACTED, token: 't' });
  });

  it('refuses an entry that is neither a JSON path nor header:<name>', () => {
    expect(() => compileRedaction(['token'])).toThrow(/"token".*JSON path.*header:<name>/);
  });
});
