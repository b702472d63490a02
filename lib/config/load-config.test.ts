import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from './load-config.ts';
import { maskUrl, maskUrlsIn } from './mask.ts';

const MINIMAL = `
legacy:
  url: postgres://ficus_admin@db.internal:6543/app
  password: { env: LEGACY_PW }
  connect: { host: db, user: debezium, password: { file: secrets/debezium } }
kit:
  url: postgres://ficus@kitdb/ficus
  password: { env: KIT_PW }
services:
  billing:
    database: { url: 'postgres://billing@svc-db:5433/billing', password: { env: BILLING_PW } }
    upstream: http://billing:9000/
    migrations: db/billing
kafka: { brokers: [k1:9092, 'k2:9092'] }
connect: { url: http://connect:8083 }
unleash: { url: http://unleash:4242, adminToken: { env: UNLEASH_ADMIN }, environment: production }
monolith: { upstream: http://app:3000 }
proxy: { listen: 0.0.0.0:80, adminListen: 9090, adminToken: { env: PROXY_ADMIN } }
`;

const ENV = {
  LEGACY_PW: 'l p@ss',
  KIT_PW: 'k',
  BILLING_PW: 'b',
  UNLEASH_ADMIN: 'u',
  PROXY_ADMIN: 'p',
};

function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-config-'));
  const secrets = { 'secrets/debezium': 'dbz\n', '.ficus/stack/secrets/debezium': 'dbz\n' };
  for (const [name, text] of Object.entries({ ...secrets, ...files })) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('loadConfig', () => {
  it('reads every entry, resolves secrets, and keeps passwords out of what it shows', () => {
    const cwd = project({ 'ficus.config.yaml': MINIMAL });
    const config = loadConfig({ cwd, env: ENV });
    expect(config.file).toBe(path.join(cwd, 'ficus.config.yaml'));
    expect(config.legacy.database).toMatchObject({
      host: 'db.internal',
      port: 6543,
      database: 'app',
      user: 'ficus_admin',
      password: 'l p@ss',
      display: 'postgres://ficus_admin:***@db.internal:6543/app',
    });
    expect(new URL(config.legacy.database.url).password).toBe(encodeURIComponent('l p@ss'));
    expect(config.legacy.connectSide).toMatchObject({
      host: 'db',
      port: 6543,
      database: 'app',
      user: 'debezium',
      password: 'dbz',
    });
    expect(config.services.billing.upstream).toBe('http://billing:9000');
    expect(config.services.billing.migrations).toBe(path.join(cwd, 'db/billing'));
    expect(config.services.billing.connectSide.user).toBe('billing');
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.unleash).toMatchObject({
      project: 'default',
      environment: 'production',
      adminToken: 'u',
    });
    expect(config.proxy).toMatchObject({
      listen: { host: '0.0.0.0', port: 80 },
      adminListen: { host: '127.0.0.1', port: 9090 },
      adminUrl: 'http://127.0.0.1:9090',
      backendHeader: false,
    });
    expect(config.cutover).toEqual({ leaseMs: 10_000 });
    expect(config.planFile).toBe(path.join(cwd, 'ficus.plan.yaml'));
    expect(config.stateDir).toBe(path.join(cwd, '.ficus'));
  });

  it('names the file and key of every problem at once', () => {
    const cwd = project({
      'ficus.config.yaml': `
legacy: { url: 'postgres://a:secret@h/app' }
kit: { url: 'mysql://x@h/k', password: hunter2 }
services: { s: { database: { url: 'postgres://s@h/s', password: { env: NOPE } } } }
kafka: { brokers: [nohost] }
connect: { url: ftp://c }
unleash: {}
cutover: { lease: soon }
extra: 1
`,
    });
    let message = '';
    try {
      loadConfig({ cwd, env: {} });
    } catch (error) {
      message = (error as Error).message;
    }
    const file = path.join(cwd, 'ficus.config.yaml');
    for (const line of [
      `${file}: extra: is not a configuration key`,
      `${file}: legacy.url: must not hold a password`,
      `${file}: kit.url: must be a postgres:// URL`,
      `${file}: kit.password: must name where the secret is`,
      `${file}: services.s.database.password reads the environment variable NOPE, which is not set`,
      `${file}: kafka.brokers: each must be host:port`,
      `${file}: connect.url: must be a http: or https: URL`,
      `${file}: unleash.url: is missing`,
      `${file}: cutover.lease: not a duration: "soon"`,
    ])
      expect(message).toContain(line);
    expect(message).not.toContain('secret@');
    expect(message).not.toContain('hunter2');
  });

  it('reads the cut-over lease as a duration', () => {
    const cwd = project({ 'ficus.config.yaml': `${MINIMAL}cutover: { lease: 1500ms }\n` });
    expect(loadConfig({ cwd, env: ENV }).cutover).toEqual({ leaseMs: 1500 });
  });

  it("reads legacy.migrations: a folder, run as the tables' owner (default: ficus's role)", () => {
    const withMigrations = (migrations: string) =>
      MINIMAL.replace(
        '  connect: { host: db,',
        `  migrations: ${migrations}\n  connect: { host: db,`,
      );
    const owner = project({
      'ficus.config.yaml': withMigrations(
        "{ directory: db/shop, url: 'postgres://shop@db.internal:6543/app', password: { env: OWNER_PW } }",
      ),
    });
    const config = loadConfig({ cwd: owner, env: { ...ENV, OWNER_PW: 'o' } });
    expect(config.legacy.migrations?.directory).toBe(path.join(owner, 'db/shop'));
    expect(config.legacy.migrations?.database).toMatchObject({
      key: 'legacy.migrations',
      user: 'shop',
      password: 'o',
      database: 'app',
    });
    const bare = project({ 'ficus.config.yaml': withMigrations('{ directory: db/shop }') });
    expect(loadConfig({ cwd: bare, env: ENV }).legacy.migrations?.database).toMatchObject({
      user: 'ficus_admin',
      password: 'l p@ss',
    });
    expect(
      loadConfig({ cwd: project({ 'ficus.config.yaml': MINIMAL }), env: ENV }).legacy.migrations,
    ).toBe(undefined);
    const wrong = project({
      'ficus.config.yaml': withMigrations('{ password: { env: OWNER_PW } }'),
    });
    expect(() => loadConfig({ cwd: wrong, env: { ...ENV, OWNER_PW: 'o' } })).toThrow(
      /legacy\.migrations\.directory: is missing[\s\S]*legacy\.migrations\.password: is the password of legacy\.migrations\.url, which is not set/,
    );
  });

  it('finds --config/FICUS_CONFIG first, then ficus.config.* here, then the stack file', () => {
    const cwd = project({
      'ficus.config.yaml': MINIMAL,
      'other.yaml': MINIMAL.replace('billing', 'other'),
      '.ficus/stack/ficus.config.yaml': MINIMAL.replace('billing', 'stacked'),
    });
    expect(
      Object.keys(loadConfig({ cwd, env: { ...ENV, FICUS_CONFIG: 'other.yaml' } }).services),
    ).toEqual(['other']);
    expect(Object.keys(loadConfig({ cwd, env: ENV }).services)).toEqual(['billing']);
    fs.rmSync(path.join(cwd, 'ficus.config.yaml'));
    const stacked = loadConfig({ cwd, env: ENV });
    expect(stacked.origin).toBe('stack');
    expect(Object.keys(stacked.services)).toEqual(['stacked']);
    fs.rmSync(path.join(cwd, '.ficus'), { recursive: true });
    expect(() => loadConfig({ cwd, env: ENV })).toThrow(
      /no ficus configuration found.*ficus init/s,
    );
    expect(() => loadConfig({ cwd, env: { FICUS_CONFIG: 'gone.yaml' } })).toThrow(
      /gone\.yaml.*does not exist/,
    );
  });

  it('lets environment variables override single entries', () => {
    const cwd = project({ 'ficus.config.yaml': MINIMAL });
    const config = loadConfig({
      cwd,
      env: {
        ...ENV,
        FICUS_KIT_DB_URL: 'postgres://k2:pw@other:1/kit2',
        FICUS_SERVICE_URL_BILLING: 'http://127.0.0.1:7000',
        FICUS_PLAN: 'plans/p.yaml',
      },
    });
    expect(config.kit.database).toMatchObject({ host: 'other', database: 'kit2', password: 'pw' });
    expect(config.kit.database.display).toBe('postgres://k2:***@other:1/kit2');
    expect(config.services.billing.upstream).toBe('http://127.0.0.1:7000');
    expect(config.planFile).toBe(path.join(cwd, 'plans/p.yaml'));
    expect(() => loadConfig({ cwd, env: { ...ENV, FICUS_CONNECT_URL: 'nope' } })).toThrow(
      /FICUS_CONNECT_URL must be an http\(s\) URL/,
    );
  });
});

describe('masking', () => {
  it('masks passwords in URLs and in free text', () => {
    expect(maskUrl('postgres://u:p@h:1/d')).toBe('postgres://u:***@h:1/d');
    expect(maskUrl('not a url p@ss')).toBe('(unparseable URL)');
    expect(maskUrlsIn('connect postgres://u:secret@h/d failed')).toBe(
      'connect postgres://u:***@h/d failed',
    );
  });
});
