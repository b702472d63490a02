/**
 * Starts the shop monolith: `node monolith/main.ts` (config from the environment, see config.ts).
 * Stops cleanly on SIGINT/SIGTERM: no new connections, then the DB pool is closed.
 */
import { errorMessage } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { redactUrl } from '../migrations/migrate-runner.ts';
import { createMonolithApp } from './app.ts';
import { loadMonolithConfig } from './config.ts';
import { createDb } from './db.ts';

const log = createLogger('monolith');
let config: ReturnType<typeof loadMonolithConfig>;
try {
  config = loadMonolithConfig();
} catch (error) {
  process.stderr.write(`monolith: ${errorMessage(error)}\n`);
  process.exit(1);
}
const db = createDb(config.databaseUrl);
const app = createMonolithApp({ db, log });

const server = app.listen(config.port, config.host, () => {
  log.info('listening', {
    url: `http://${config.host}:${config.port}`,
    database: redactUrl(config.databaseUrl),
  });
});
server.on('error', (error) => {
  log.error('cannot listen', { port: config.port, error: error.message });
  process.exit(1);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info('stopping', { signal });
    server.close(() => void db.destroy().then(() => process.exit(0)));
  });
}
