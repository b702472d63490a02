import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadMonolithConfig } from './config.ts';

describe('loadMonolithConfig', () => {
  it("defaults to the stack's port and the shop DB as role shop, with the stack's secret", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ficus-home-'));
    const config = loadMonolithConfig({ FICUS_HOME: home });
    const secret = fs.readFileSync(path.join(home, 'stack', 'secrets', 'legacy-app'), 'utf8');
    expect(config).toEqual({
      port: 18081,
      host: '127.0.0.1',
      databaseUrl: `postgres://shop:${encodeURIComponent(secret.trim())}@127.0.0.1:15432/shop`,
    });
    expect(secret.trim()).not.toBe('shop');
    expect(fs.statSync(path.join(home, 'stack', 'secrets', 'legacy-app')).mode & 0o077).toBe(0);
  });

  it('reads the environment and names a bad variable', () => {
    expect(
      loadMonolithConfig({ MONOLITH_PORT: '9000', MONOLITH_DATABASE_URL: 'postgres://u:p@h/db' }),
    ).toMatchObject({ port: 9000, databaseUrl: 'postgres://u:p@h/db' });
    expect(() => loadMonolithConfig({ MONOLITH_PORT: 'http' })).toThrow(/MONOLITH_PORT/);
    expect(() => loadMonolithConfig({ MONOLITH_DATABASE_URL: 'mysql://x' })).toThrow(
      /MONOLITH_DATABASE_URL/,
    );
  });
});
