import fs from 'node:fs';
import { SHOP_PLAN_FILE, parsePlan } from '../plan/load-plan.ts';
import { testConfig } from '../test-support/test-config.ts';
import { loadProxyConfig as load, serviceUrlVariable } from './config.ts';

const plan = parsePlan(fs.readFileSync(SHOP_PLAN_FILE, 'utf8'), 'shop.plan.yaml');
const loadProxyConfig = (p: typeof plan, env: NodeJS.ProcessEnv) => load(p, env, testConfig(env));

describe('loadProxyConfig: upstream URLs', () => {
  test('the upstreams come from the configuration, over plain HTTP', () => {
    const config = loadProxyConfig(plan, {});
    expect(config.monolithUrl).toBe('http://monolith:8080');
    expect(Object.keys(config.serviceUrls)).toEqual(plan.services.map((s) => s.name));
  });

  test('an https upstream is refused, naming the variable (upstreams are reached over plain HTTP)', () => {
    expect(() =>
      loadProxyConfig(plan, { FICUS_MONOLITH_URL: 'https://monolith.internal' }),
    ).toThrow(/FICUS_MONOLITH_URL.*must be an http:\/\/ URL.*"https:\/\/monolith.internal"/);
    const variable = serviceUrlVariable('catalog');
    expect(() => loadProxyConfig(plan, { [variable]: 'https://catalog.internal' })).toThrow(
      new RegExp(`${variable}.*must be an http:// URL`),
    );
  });

  test('Unleash may be reached over https; a URL that does not parse is named', () => {
    const config = loadProxyConfig(plan, { FICUS_UNLEASH_URL: 'https://unleash.example/api/' });
    expect(config.unleash.url).toBe('https://unleash.example/api');
    expect(() => loadProxyConfig(plan, { FICUS_UNLEASH_URL: 'not a url' })).toThrow(
      /FICUS_UNLEASH_URL.*must be an http\(s\) URL, got "not a url"/,
    );
  });
});

describe('loadProxyConfig: x-ficus-backend', () => {
  test('is off unless the configuration turns it on (the embedded demo does)', () => {
    expect(loadProxyConfig(plan, {}).backendHeader).toBe(false);
    const demo = testConfig();
    demo.proxy.backendHeader = true;
    expect(load(plan, {}, demo).backendHeader).toBe(true);
    expect(loadProxyConfig(plan, { FICUS_PROXY_BACKEND_HEADER: 'true' }).backendHeader).toBe(true);
  });
});

describe('loadProxyConfig: the admin token', () => {
  test('is required: the proxy does not start without one, naming the key', () => {
    const config = testConfig();
    config.proxy.adminToken = undefined;
    expect(() => load(plan, {}, config)).toThrow(
      /proxy\.adminToken.*is not set in \/test\/ficus\.config\.yaml/,
    );
  });

  test('a well-known token is accepted with a loud warning', () => {
    const config = testConfig();
    config.proxy.adminToken = 'ficus-proxy-admin-token';
    const lines: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => lines.push(String(chunk)) > 0) as typeof write;
    try {
      expect(load(plan, {}, config).adminToken).toBe('ficus-proxy-admin-token');
    } finally {
      process.stderr.write = write;
    }
    expect(lines.join('')).toMatch(/warn.*admin token is a well-known one/);
  });
});

describe('loadProxyConfig: who the user is', () => {
  test('a JWT claim by path, from the schemes named', () => {
    expect(
      loadProxyConfig(plan, { FICUS_PROXY_USER_ID_FROM: 'jwt(Token):user.id' }).identity,
    ).toEqual({
      kind: 'jwt',
      schemes: ['token'],
      claim: ['user', 'id'],
    });
  });

  test('a setting that cannot be read is refused with proxy_config_invalid, naming the variable', () => {
    for (const [spec, why] of [
      ['query:uid', /expected header:<name>, cookie:<name> or jwt/],
      ['jwt:https://example.com/claims.user_id', /claim path .* cannot be read: write the claim/],
      ['jwt(a b):sub', /"a b" is not an Authorization scheme name/],
    ] as const) {
      let error: unknown;
      try {
        loadProxyConfig(plan, { FICUS_PROXY_USER_ID_FROM: spec });
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: 'proxy_config_invalid' });
      expect((error as Error).message).toMatch(/^FICUS_PROXY_USER_ID_FROM: /);
      expect((error as Error).message).toMatch(why);
    }
  });
});
