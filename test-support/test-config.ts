/**
 * A configuration for unit tests: the shape of a user's environment on made-up hosts, parsed by
 * the real parser, with secrets from a given environment. Nothing here connects anywhere.
 */
import path from 'node:path';
import { parseConfig, type FicusConfig } from '../lib/config/index.ts';
import { SHOP_PLAN_FILE } from '../plan/load-plan.ts';

export const TEST_CONFIG_ENV = {
  T_LEGACY: 'legacy-secret',
  T_KIT: 'kit-secret',
  T_CATALOG: 'catalog-secret',
  T_ORDERS: 'orders-secret',
  T_UNLEASH_ADMIN: '*:*.admin-secret',
  T_UNLEASH_CLIENT: 'default:development.client-secret',
  T_PROXY_ADMIN: 'proxy-admin-secret',
};

export function testConfig(env: NodeJS.ProcessEnv = {}): FicusConfig {
  const database = (url: string, secret: string) => ({ url, password: { env: secret } });
  const raw = {
    plan: SHOP_PLAN_FILE,
    legacy: {
      ...database('postgres://ficus@legacy-db:5432/shop', 'T_LEGACY'),
      connect: { user: 'cdc' },
    },
    kit: database('postgres://ficus_kit@kit-db:5432/ficus', 'T_KIT'),
    services: {
      catalog: {
        database: database('postgres://catalog@services-db:5432/catalog', 'T_CATALOG'),
        upstream: 'http://catalog:8080',
      },
      orders: {
        database: database('postgres://orders@services-db:5432/orders', 'T_ORDERS'),
        upstream: 'http://orders:8080',
      },
    },
    kafka: { brokers: ['kafka:9092'] },
    connect: { url: 'http://connect:8083' },
    unleash: {
      url: 'http://unleash:4242',
      adminToken: { env: 'T_UNLEASH_ADMIN' },
      clientToken: { env: 'T_UNLEASH_CLIENT' },
    },
    monolith: { upstream: 'http://monolith:8080' },
    proxy: { listen: '127.0.0.1:8080', adminListen: 8089, adminToken: { env: 'T_PROXY_ADMIN' } },
  };
  return parseConfig(raw, path.join('/test', 'ficus.config.yaml'), { ...TEST_CONFIG_ENV, ...env });
}
