/**
 * The proxy as a program: `node proxy/main.ts`. Reads its config once (errors name the variable),
 * loads the plan, serves the public port and the admin port, and stops cleanly on SIGTERM/SIGINT.
 */
import { createLogger } from '../lib/logger.ts';
import { FicusError, errorMessage } from '../lib/errors.ts';
import { loadPlan } from '../plan/load-plan.ts';
import { loadProxyConfig } from './config.ts';
import { createProxy } from './create-proxy.ts';
import { createAdminApp } from './server/admin-app.ts';
import { createProxyApp, listen } from './server/proxy-app.ts';

const log = createLogger('proxy');
try {
  const plan = loadPlan();
  const config = loadProxyConfig(plan);
  const proxy = await createProxy(config, plan, { log });
  // The admin side first, then the fleet (a hold under way is taken), then the public side.
  const adminSide = await listen(createAdminApp(proxy.ctx), config.adminPort, config.host, log);
  await proxy.join(adminSide.url);
  const publicSide = await listen(createProxyApp(proxy.handler), config.port, config.host, log);
  proxy.ctx.registration?.setUrl(publicSide.url);
  log.info('proxy listening', {
    url: publicSide.url,
    admin: adminSide.url,
    monolith: config.monolithUrl,
    services: config.serviceUrls,
  });
  const stop = async () => {
    log.info('stopping');
    await Promise.all([publicSide.close(), adminSide.close()]);
    await proxy.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  log.error(
    errorMessage(error),
    error instanceof FicusError ? { code: error.code, ...error.details } : {},
  );
  process.exit(1);
}
