import { canonicalTarget } from './canonical-target.ts';

const canonical = (target: string, method = 'GET') => {
  const result = canonicalTarget(method, target);
  return result.ok ? result.target : `refused: ${result.reason}`;
};

describe('canonicalTarget', () => {
  it.each([
    ['/api/products/7', '/api/products/7'],
    ['/api/products/7?q=a%2Fb&x=%00', '/api/products/7?q=a%2Fb&x=%00'],
    ['//api/products/7', '/api/products/7'],
    ['/api//products///7', '/api/products/7'],
    ['/api/products/7/', '/api/products/7/'],
    ['/api/products/7//', '/api/products/7/'],
    ['/', '/'],
    ['///', '/'],
    ['/api/./products/7', '/api/products/7'],
    ['/api/x/../products/7', '/api/products/7'],
    ['/../../api/products/7', '/api/products/7'],
    ['/api/products/7/..', '/api/products/'],
    ['/api/products/7/.', '/api/products/7/'],
    ['/api/products/..?a=1', '/api/?a=1'],
    ['/api/%70roducts/%37', '/api/products/7'],
    ['/api/products/%7e%2D%5f%41', '/api/products/~-_A'],
    ['/api/products/caf%c3%a9', '/api/products/caf%C3%A9'],
    ['/api/products/a%20b', '/api/products/a%20b'],
    ['/API/Products/Ab7', '/API/Products/Ab7'],
    ['/api/products/7;v=1', '/api/products/7;v=1'],
    ['/a..b/.c/..d', '/a..b/.c/..d'],
  ])('%s -> %s', (target, expected) => {
    expect(canonical(target)).toBe(expected);
  });

  it('reduces the absolute-form to origin-form and gives its authority', () => {
    expect(canonicalTarget('GET', 'http://shop.example:8080/api//products/7?x=1')).toEqual({
      ok: true,
      target: '/api/products/7?x=1',
      path: '/api/products/7',
      query: '?x=1',
      authority: 'shop.example:8080',
    });
    expect(canonical('HTTPS://shop.example')).toBe('/');
    expect(canonical('http://shop.example?a=b')).toBe('/?a=b');
  });

  it('takes `*` only for OPTIONS', () => {
    expect(canonical('*', 'OPTIONS')).toBe('*');
    expect(canonical('*', 'GET')).toMatch(/refused: .*only for OPTIONS, not GET/);
    expect(canonical('*', 'DELETE')).toMatch(/refused/);
  });

  it.each([
    ['/api/products/a%2Fb', /encoded slash/],
    ['/api/products/a%2fb', /encoded slash/],
    ['/api/products/7%00', /control character \(%00\)/],
    ['/api/products/7%0A', /control character \(%0A\)/],
    ['/api/products/7%7f', /control character \(%7F\)/],
    ['/api/products/%zz', /invalid escape "%zz"/],
    ['/api/products/7%', /invalid escape "%"/],
    ['/api/products/7%4', /invalid escape "%4"/],
    ['/api/products/%C3', /not UTF-8/],
    ['/api/products/%FF', /not UTF-8/],
    ['/api/products/%C0%AF', /not UTF-8/],
    ['/api/products/%ED%A0%80', /not UTF-8/],
    ['/api\\products/7', /backslash/],
    ['/api/products%5C7', /encoded backslash/],
    ['/api/products/%2E%2E', /encoded dot segment "%2E%2E"/],
    ['/api/products/.%2e/x', /encoded dot segment/],
    ['/api/products/%2e', /encoded dot segment/],
    ['/api/products/7#frag', /fragment/],
    ['/api/products/"7"', /must be escaped/],
    ['/api/products/<7>', /must be escaped/],
    ['api/products/7', /neither origin-form nor absolute-form/],
    ['shop.example:443', /neither origin-form/],
    ['ftp://shop.example/api', /scheme "ftp"/],
    ['http://user:pw@shop.example/api', /no plain host/],
    ['http:///api/products', /no plain host/],
  ])('refuses %s', (target, reason) => {
    expect(canonical(target)).toMatch(reason);
  });

  it('is idempotent: a canonical target is its own canonical form', () => {
    for (const target of ['/api//x/../Products/%41%2d?q', 'http://h//a/./b/', '/a/%c3%a9/']) {
      const once = canonical(target);
      expect(canonical(once)).toBe(once);
    }
  });
});
