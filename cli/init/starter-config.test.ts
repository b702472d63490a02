import YAML from 'yaml';
import { parseConfig } from '../../lib/config/index.ts';
import { STARTER_SECRETS, renderStarterConfig } from './starter-config.ts';

const env = {
  [STARTER_SECRETS.legacy]: 'legacy-pw',
  [STARTER_SECRETS.cdc]: 'cdc-pw',
  [STARTER_SECRETS.kit]: 'kit-pw',
};
const legacy = { host: 'localhost', port: 5999, database: 'app', user: 'ficus_app' };

/** The configuration as a user makes it after reading its comments: the example uncommented. */
function uncommentFirstService(text: string): string {
  const [head, block] = text.split(/^services: \{\}$/m);
  return head + block.replace(/^# /gm, '');
}

describe('ficus init: the starter configuration', () => {
  it('the configuration names every key parse-config reads, and parses with its secrets set', () => {
    const text = renderStarterConfig({ legacy });
    const config = parseConfig(YAML.parse(text), '/project/ficus.config.yaml', env);
    expect(config.legacy.database).toMatchObject({
      host: 'localhost',
      port: 5999,
      user: 'ficus_app',
    });
    expect(config.legacy.database.password).toBe('legacy-pw');
    expect(config.legacy.connectSide).toMatchObject({ user: 'ficus_cdc', password: 'cdc-pw' });
    expect(config.planFile).toBe('/project/ficus.plan.yaml');
    for (const key of [
      'plan:',
      'state:',
      'legacy:',
      'url:',
      'password:',
      'connect:',
      'host:',
      'port:',
      'database:',
      'user:',
      'kit:',
      'services:',
      'upstream:',
      'migrations:',
      'directory:',
      'kafka:',
      'brokers:',
      'unleash:',
      'adminToken:',
      'clientToken:',
      'project:',
      'environment:',
      'monolith:',
      'proxy:',
      'listen:',
      'adminListen:',
      'adminUrl:',
      'backendHeader:',
    ])
      expect(text).toContain(key);
  });

  it('without --from it is a template to fill in that still parses', () => {
    const text = renderStarterConfig();
    expect(text).toMatch(/FILL IN/);
    expect(() => parseConfig(YAML.parse(text), '/p/ficus.config.yaml', env)).not.toThrow();
  });

  it('the commented legacy migrations parse once uncommented', () => {
    const text = renderStarterConfig({ legacy }).replace(
      /^ {2}# ( *(migrations|directory|url|password):.*)$/gm,
      '  $1',
    );
    const config = parseConfig(YAML.parse(text), '/p/ficus.config.yaml', {
      ...env,
      FICUS_LEGACY_OWNER_PASSWORD: 'o',
    });
    expect(config.legacy.migrations?.directory).toBe('/p/migrations/legacy');
    expect(config.legacy.migrations?.database).toMatchObject({ user: 'app_owner', password: 'o' });
  });

  it('the commented example service of the configuration parses once uncommented', () => {
    const text = uncommentFirstService(renderStarterConfig({ legacy }));
    const config = parseConfig(YAML.parse(text), '/p/ficus.config.yaml', {
      ...env,
      FICUS_ORDERS_PASSWORD: 'x',
    });
    expect(config.services.orders.migrations).toBe('/p/migrations/orders');
  });
});
