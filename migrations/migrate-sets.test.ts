import type { FicusConfig } from '../lib/config/index.ts';
import { legacyTarget } from './migrate-sets.ts';

const owner = { key: 'legacy.migrations', url: 'postgres://shop:pw@db:5432/shop' };

const configWith = (migrations: unknown, origin: FicusConfig['origin'] = 'file'): FicusConfig =>
  ({
    file: '/p/ficus.config.yaml',
    origin,
    legacy: { database: { url: 'postgres://ficus:pw@db:5432/shop' }, migrations },
  }) as unknown as FicusConfig;

describe('legacyTarget: the legacy set of `ficus migrate legacy`', () => {
  it('runs the folder legacy.migrations names, as the role it names', () => {
    expect(legacyTarget(configWith({ directory: '/p/migrations/shop', database: owner }))).toEqual({
      set: 'legacy',
      url: owner.url,
      directory: '/p/migrations/shop',
    });
  });

  it('without legacy.migrations, an error naming the file and key', () => {
    expect(() => legacyTarget(configWith(undefined))).toThrow(
      '/p/ficus.config.yaml: legacy.migrations is not set, so ficus has no migrations to run for the legacy database',
    );
    // the stack's configuration written before it named the example's: the fix is to write it again
    expect(() => legacyTarget(configWith(undefined, 'stack'))).toThrow(
      /run `ficus stack up` again/,
    );
  });
});
