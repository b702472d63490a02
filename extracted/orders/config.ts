/**
 * The orders service's configuration, read once from the environment and validated. Every
 * environment variable it reads is read here; defaults come from the embedded stack's config.
 *
 *   ORDERS_PORT          port to listen on (default: servicePortBase + the service's index in the plan, 18101)
 *   ORDERS_DATABASE_URL  postgres:// URL of the orders DB (default: DB `orders` as role `orders` on
 *                        the services cluster; the service never connects as anyone else)
 *   ORDERS_SHOP_URL      base URL of the monolith, whose inventory API reserves stock
 *                        (default: the stack's monolith port)
 */
import { loadStackConfig, stackUrls } from '../../stack/stack-config.ts';
import { readPortEnv, readUrlEnv } from '../shared/env.ts';
import { servicePort } from '../shared/service-port.ts';

export type OrdersConfig = { port: number; databaseUrl: string; shopUrl: string };

export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  const stack = loadStackConfig(env);
  return {
    port: readPortEnv(env, 'ORDERS_PORT', servicePort(stack, 'orders', env)),
    databaseUrl: readUrlEnv(
      env,
      'ORDERS_DATABASE_URL',
      stackUrls(stack).servicesAs('orders', 'orders', 'orders'),
      ['postgres:', 'postgresql:'],
    ),
    shopUrl: readUrlEnv(env, 'ORDERS_SHOP_URL', `http://127.0.0.1:${stack.ports.monolith}`, [
      'http:',
      'https:',
    ]),
  };
}
