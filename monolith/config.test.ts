import { loadMonolithConfig } from './config.ts';

describe('loadMonolithConfig', () => {
  it('defaults to the stack port and the shop DB as role shop', () => {
    expect(loadMonolithConfig({})).toEqual({
      port: 18081,
      host: '127.0.0.1',
      databaseUrl: 'postgres://shop:shop@127.0.0.1:15432/shop',
    });
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
